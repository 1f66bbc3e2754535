"""The ingestion job: configured instances, their accounts, schedules, change sets and alerts."""
