"""The runner: AWS sessions and clients, region discovery, concurrent steps, the report."""
