"""A client's User-Agent header, built once per set of features instead of on every request.

botocore rebuilds the header for each request from some twenty components (SDK, OS,
language, configuration, the features the request used). All but the features are the
same for every request of a client, so the text is kept per set of features: the header
sent is the one botocore would build, at the cost of one dictionary lookup.
"""

from __future__ import annotations

from typing import Any

from botocore.context import get_context


def memoise_user_agent(client: Any) -> None:
    """Make ``client`` build its User-Agent text once per (request features, client features)."""
    creator = getattr(client, "_user_agent_creator", None)
    build = getattr(creator, "to_string", None)
    if creator is None or build is None:
        return  # another botocore: it keeps its own way
    built: dict[tuple[frozenset[str], frozenset[str]], str] = {}

    def to_string() -> str:
        context = get_context()
        key = (frozenset(context.features) if context is not None else frozenset(),
               frozenset(getattr(creator, "_client_features", None) or ()))
        text = built.get(key)
        if text is None:
            text = built[key] = build()
        return text

    creator.to_string = to_string
