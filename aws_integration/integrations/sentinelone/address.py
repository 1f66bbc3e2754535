"""A console's address: what the configuration accepts as one, without loading the HTTP client."""

from __future__ import annotations

from urllib.parse import urlsplit

API_PREFIX = "/web/api/v2.1"


def console_url(management_url: str) -> str:
    """``https://host[:port]`` from a host or URL (the scheme defaults to https); a clear error when it is neither."""
    text = management_url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise ValueError("must be the console's host or URL, such as https://acme.sentinelone.net")
    if parts.path.strip("/") not in ("", API_PREFIX.strip("/")) or parts.query or parts.fragment:
        raise ValueError("must be the console's address only (no path, query or fragment)")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has a port that is not a number from 1 to 65535") from None
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
