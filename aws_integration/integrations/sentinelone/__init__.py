"""SentinelOne: the console's accounts, sites, groups and agents, from its Management API v2.1."""
