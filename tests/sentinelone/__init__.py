"""The SentinelOne integration, against the local console."""
