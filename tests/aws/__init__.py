"""The AWS integration: collectors, engine, permissions, setup, jobs, against moto."""
