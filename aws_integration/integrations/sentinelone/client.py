"""A client of the SentinelOne Management API v2.1, on aiohttp.

Every request carries ``Authorization: ApiToken <token>``, waits for the client-side
rate limit (the console's own limits are not published), and is retried with backoff on
429, 5xx, timeouts, dropped connections and answers that are not the console's JSON
envelope (an HTML page, a body cut off), honouring ``Retry-After`` when the console
sends it. A 401 means the token was refused; a 403 raises :class:`PermissionDenied`
naming the endpoint. Listings follow ``pagination.nextCursor`` and stop on a missing or
null cursor; a cursor seen before is an error, never a silently short listing.

The token never appears in a message, a log line or an exception.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from aws_integration.errors import IntegrationError, PermissionDenied
from aws_integration.integrations.sentinelone.address import API_PREFIX
from aws_integration.steps.chain import link

log = logging.getLogger(__name__)

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
Rows = Callable[[Any], list[dict[str, Any]]]


class ConsoleError(IntegrationError):
    """The console did not give a usable answer (after retries): the step that asked fails."""


class TokenRefused(ConsoleError):
    """The console answered 401: the API token is wrong, expired or revoked."""


@dataclass(frozen=True)
class ClientSettings:
    """How the client talks to the console."""

    requests_per_second: float = 20.0
    attempts: int = 5
    timeout: float = 30.0
    backoff: float = 0.5  # seconds before the first retry; doubled each time, with jitter
    max_backoff: float = 20.0


def _code(body: Any) -> str:
    """The first error code of an error envelope, or ``""``."""
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            return str(errors[0].get("code") or "")
    return ""


def _detail(body: Any) -> str:
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            first = errors[0]
            return "; ".join(str(first[name]) for name in ("title", "detail") if first.get(name))[:200]
    return ""


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), bounded; None without one."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = parsed.timestamp() - time.time()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


@dataclass
class Tally:
    """Requests sent for one purpose (a step's unit), and how many of them were retries."""

    requests: int = 0
    retries: int = 0

    @property
    def calls(self) -> int:
        """Calls made: requests that were not retries."""
        return self.requests - self.retries


class _RateLimit:
    """At most ``rate`` requests started per second, spread evenly."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)


class _Retry(Exception):
    """One attempt that may be made again, and why."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class ConsoleClient:
    """Requests to one console with one token; ``tally`` counts what was sent."""

    def __init__(self, base_url: str, token: str, settings: ClientSettings = ClientSettings()) -> None:
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc
        self._token = token
        self.settings = settings
        self._limit = _RateLimit(settings.requests_per_second)
        self._session: aiohttp.ClientSession | None = None
        self.tally = Tally()  # every request of the client

    async def __aenter__(self) -> ConsoleClient:
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout)
        self._session = aiohttp.ClientSession(timeout=timeout, headers={"Accept": "application/json"})
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def endpoint(self, path: str) -> str:
        """How an endpoint is named in messages: ``GET /web/api/v2.1/agents``."""
        return f"{API_PREFIX}{path}"

    async def request(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                      body: Mapping[str, Any] | None = None, tally: Tally | None = None) -> dict[str, Any]:
        """One call, retried as the module says; returns the envelope (a mapping with ``data``)."""
        tallies = (self.tally, tally) if tally is not None else (self.tally,)
        if self._session is None:
            raise RuntimeError("ConsoleClient used outside 'async with'")
        name = f"{method} {self.endpoint(path)}"
        delay = self.settings.backoff
        for attempt in range(1, self.settings.attempts + 1):
            await self._limit.wait()
            for counted in tallies:
                counted.requests += 1
                counted.retries += attempt > 1
            try:
                envelope = await self._attempt(method, path, params, body, name)
            except _Retry as retry:
                if attempt == self.settings.attempts:
                    raise ConsoleError(f"{name} failed after {attempt} attempts: {retry.reason}") from None
                wait = retry.wait if retry.wait is not None else delay * (0.5 + random.random() / 2)
                log.info("%s: %s; retrying in %.2f s", name, retry.reason, wait)
                await asyncio.sleep(wait)
                delay = min(delay * 2, self.settings.max_backoff)
                continue
            link()
            return envelope
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _attempt(self, method: str, path: str, params: Mapping[str, Any] | None,
                       body: Mapping[str, Any] | None, name: str) -> dict[str, Any]:
        assert self._session is not None
        headers = {"Authorization": f"ApiToken {self._token}"}
        try:
            async with self._session.request(method, self.base_url + API_PREFIX + path, params=params, json=body,
                                             headers=headers, allow_redirects=False) as response:
                status = response.status
                retry_after = _retry_after(response.headers.get("Retry-After"))
                content_type = response.headers.get("Content-Type", "")
                raw = await response.read()
        except asyncio.TimeoutError:
            raise _Retry("no answer in time") from None
        except aiohttp.ClientPayloadError:
            raise _Retry("the answer was cut off") from None
        except aiohttp.ClientConnectionError as error:
            raise _Retry(f"connection failed ({type(error).__name__})") from None
        parsed = _json(raw)
        if status == 401:
            raise TokenRefused(f"the console at {self.host} refused the API token ({name}: 401"
                               f"{' ' + _code(parsed) if _code(parsed) else ''}): check that it is current and not revoked")
        if status == 403:
            raise PermissionDenied(name, _code(parsed) or "403", self.host)
        if status in RETRIED_STATUSES:
            raise _Retry(f"HTTP {status}", retry_after)
        if not 200 <= status < 300:
            detail = _detail(parsed)
            raise ConsoleError(f"{name} failed: HTTP {status}{' ' + _code(parsed) if _code(parsed) else ''}"
                               f"{': ' + detail if detail else ''}")
        if "json" not in content_type.lower() or not isinstance(parsed, dict) or "data" not in parsed:
            kind = "a body cut off or not JSON" if parsed is _NOT_JSON else "no data envelope"
            raise _Retry(f"HTTP {status} with {kind} ({content_type.split(';')[0] or 'no content type'})")
        return parsed

    async def get(self, path: str, tally: Tally | None = None, **params: Any) -> dict[str, Any]:
        """``GET`` one endpoint."""
        return await self.request("GET", path, params=params or None, tally=tally)

    async def pages(self, path: str, limit: int, rows: Rows, tally: Tally | None = None,
                    **params: Any) -> AsyncIterator[list[dict[str, Any]]]:
        """The rows of a listing, page by page (``rows`` picks them out of ``data``)."""
        name = f"GET {self.endpoint(path)}"
        seen: set[str] = set()
        cursor: str | None = None
        while True:
            query = {**params, "limit": limit, "skipCount": "true", **({"cursor": cursor} if cursor else {})}
            envelope = await self.get(path, tally, **query)
            found = rows(envelope.get("data"))
            yield found
            pagination = envelope.get("pagination")
            cursor = pagination.get("nextCursor") if isinstance(pagination, Mapping) else None
            if cursor in (None, "", "null"):
                return
            if not isinstance(cursor, str):
                raise ConsoleError(f"{name}: the answer's nextCursor is not a string")
            if cursor in seen:
                raise ConsoleError(f"{name}: the console returned a cursor it had returned before (a loop); "
                                   "the listing is incomplete, so nothing of it is used")
            seen.add(cursor)


_NOT_JSON = object()


def _json(raw: bytes) -> Any:
    """The parsed body, or a marker when it is not JSON (an HTML page, a body cut off)."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return _NOT_JSON


def list_rows(data: Any) -> list[dict[str, Any]]:
    """Rows of a listing whose ``data`` is the list (``/accounts``, ``/groups``, ``/agents``)."""
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise ConsoleError("the console's listing has no list of objects in data")
    return data


def site_rows(data: Any) -> list[dict[str, Any]]:
    """Rows of ``/sites``, which nests them in ``data.sites``."""
    sites = data.get("sites") if isinstance(data, Mapping) else None
    return list_rows(sites)
