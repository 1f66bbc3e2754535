"""Allow ``python -m aws_integration``."""

from aws_integration.cli import main

raise SystemExit(main())
