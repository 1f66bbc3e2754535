"""A sample AWS account on moto, for the demo, the end-to-end tests and benchmarks.

Needs the ``test`` (or ``demo``) extra, which brings moto's server.
"""
