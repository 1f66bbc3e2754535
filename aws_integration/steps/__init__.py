"""The neutral core of a run: step declarations, the registry, the runner and its report.

Nothing here knows which system a step reads: an integration (``aws_integration.integrations``)
declares its steps on these types and tells the runner how to fetch each unit of them.
"""
