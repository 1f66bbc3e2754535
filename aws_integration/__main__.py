"""Allow ``python -m aws_integration``."""

from aws_integration.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
