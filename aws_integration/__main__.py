"""Allow ``python -m aws_integration``."""

from aws_integration.cli import run

if __name__ == "__main__":
    run()
