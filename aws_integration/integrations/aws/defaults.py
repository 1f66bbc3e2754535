"""Defaults the command line shows before it loads botocore (its help, its options)."""

from __future__ import annotations

DEFAULT_READ_TIMEOUT = 30.0  # seconds an AWS answer may take to arrive
DEFAULT_ROLE_NAME = "aws-integration-inventory"  # the role the setup templates create
