"""aws-integration: an AWS asset inventory that stores every resource as a graph."""

__version__ = "0.1.0"
