"""The store's error."""


class StoreError(Exception):
    """The store cannot be opened, read or written; the message says why."""
