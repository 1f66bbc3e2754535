"""Defaults the command line shows before it loads botocore (its help, its options)."""

from __future__ import annotations

DEFAULT_READ_TIMEOUT = 30.0  # seconds an AWS answer may take to arrive
DEFAULT_ROLE_NAME = "aws-integration-inventory"  # the role the setup templates create

# AWS requests in flight per run, shared by its collecting processes. Measured on the
# bench (2,000 instances, 4 regions, 50 ms, 2 processes, two passes each): 32 in flight
# 10.8-11.6 s, 64 7.5-8.6 s, 128 7.2-8.0 s; 64 keeps the bursts AWS throttles smaller.
DEFAULT_CONCURRENCY = 64
