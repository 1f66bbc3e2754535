"""AWS: every resource of an account, or of every account of an Organization."""
