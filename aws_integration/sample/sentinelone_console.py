"""A local SentinelOne console: the Management API v2.1 as its documentation describes it.

There is no moto for SentinelOne, so the tests and ``make demo`` talk to this aiohttp app,
which follows the documented API strictly: ``Authorization: ApiToken <token>``; the
``data``/``pagination``/``errors`` envelope; ``/sites`` nesting its rows in
``data.sites`` with totals in ``data.allSites``; per-endpoint ``limit`` caps (1000, groups
300; above them a 400); opaque base64 cursors, ``nextCursor`` null on the last page;
401 code 4010010 for a bad token; 403 code 4030010 for a site-scoped token on
``/accounts``. Faults can be injected per endpoint: 429s (with or without
``Retry-After``), 5xx, an HTML page with status 200, a body cut off, a cursor loop.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

PREFIX = "/web/api/v2.1"
LIMITS = {"/accounts": 1000, "/sites": 1000, "/groups": 300, "/agents": 1000}
DEFAULT_LIMIT = 10
BAD_TOKEN = {"errors": [{"code": 4010010, "title": "Authentication Failed", "detail": None}], "data": None}
SITE_USER = {"errors": [{"code": 4030010, "title": "Insufficient permissions",
                         "detail": "Action is not allowed to site users"}], "data": None}


@dataclass(frozen=True)
class Token:
    """An API token the console accepts: account-wide, or scoped to one site."""

    site_id: str | None = None
    expires_at: str = "2027-06-01T00:00:00.000000Z"
    created_at: str = "2026-06-01T00:00:00.000000Z"


@dataclass
class Fault:
    """What an endpoint answers instead of its rows, the next ``times`` times it is asked.

    ``kind``: ``status`` (``status``, optional ``retry_after``), ``html`` (a 200 login
    page), ``truncated`` (a 200 whose JSON body is cut off), ``cursor-loop`` (the next
    page's cursor is one already returned).
    """

    kind: str
    times: int = 1
    status: int = 429
    retry_after: str | None = None


@dataclass
class ConsoleData:
    """What the console holds: its accounts, sites, groups and agents (raw API objects)."""

    accounts: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    agents: list[dict[str, Any]] = field(default_factory=list)
    version: str = "23.4.2"


class FakeConsole:
    """The app, its data, its tokens, and the faults still to inject; ``requests`` logs what was asked."""

    def __init__(self, data: ConsoleData, tokens: dict[str, Token]) -> None:
        self.data = data
        self.tokens = tokens
        self.faults: dict[str, list[Fault]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []

    def inject(self, path: str, fault: Fault) -> None:
        """Make ``path`` (``/agents``) answer with ``fault`` next."""
        self.faults.setdefault(path, []).append(fault)

    def app(self) -> web.Application:
        application = web.Application()
        application.router.add_get(PREFIX + "/system/info", self._system_info)
        application.router.add_post(PREFIX + "/users/api-token-details", self._token_details)
        for path in LIMITS:
            application.router.add_get(PREFIX + path, self._listing)
        return application

    def _token(self, request: web.Request) -> Token | None:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "apitoken":
            return None
        return self.tokens.get(value.strip())

    async def _system_info(self, request: web.Request) -> web.Response:
        self.requests.append(("/system/info", dict(request.query)))
        if self._token(request) is None:
            return web.json_response(BAD_TOKEN, status=401)
        return web.json_response({"data": {"release": self.data.version, "build": "12", "patch": "0"}})

    async def _token_details(self, request: web.Request) -> web.Response:
        self.requests.append(("/users/api-token-details", {}))
        token = self._token(request)
        if token is None:
            return web.json_response(BAD_TOKEN, status=401)
        try:
            body = await request.json()
            asked = body["data"]["apiToken"]
        except (ValueError, KeyError, TypeError):
            return _validation_error("data.apiToken: missing")
        if self.tokens.get(asked) is not token:
            return _validation_error("data.apiToken: not the token of this request")
        return web.json_response({"data": {"createdAt": token.created_at, "expiresAt": token.expires_at}})

    async def _listing(self, request: web.Request) -> web.StreamResponse:
        path = request.path.removeprefix(PREFIX)
        self.requests.append((path, dict(request.query)))
        token = self._token(request)
        if token is None:
            return web.json_response(BAD_TOKEN, status=401)
        if path == "/accounts" and token.site_id is not None:
            return web.json_response(SITE_USER, status=403)
        fault = self._next_fault(path)
        if fault is not None and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return web.json_response({"errors": [{"code": fault.status * 10000, "title": "Too many requests"
                                                  if fault.status == 429 else "Server error"}], "data": None},
                                     status=fault.status, headers=headers)
        if fault is not None and fault.kind == "html":
            return web.Response(text="<html><body>Sign in to your console</body></html>", content_type="text/html")
        try:
            limit = int(request.query.get("limit", DEFAULT_LIMIT))
            offset = _offset(request.query.get("cursor"))
        except ValueError as error:
            return _validation_error(str(error))
        if not 1 <= limit <= LIMITS[path]:
            return _validation_error(f"limit: must be between 1 and {LIMITS[path]}")
        rows = self._visible(path, token, request.query)
        page = rows[offset:offset + limit]
        following = offset + limit
        next_cursor = _cursor(following) if following < len(rows) else None
        if fault is not None and fault.kind == "cursor-loop":
            next_cursor = _cursor(offset) if offset else _cursor(0)
        data: Any = page
        if path == "/sites":
            data = {"allSites": {"totalLicenses": sum(int(site.get("totalLicenses") or 0) for site in rows),
                                 "activeLicenses": sum(int(site.get("activeLicenses") or 0) for site in rows)},
                    "sites": page}
        pagination = {"nextCursor": next_cursor,
                      "totalItems": None if request.query.get("skipCount") == "true" else len(rows)}
        body = json.dumps({"data": data, "pagination": pagination})
        if fault is not None and fault.kind == "truncated":
            return web.Response(body=body[: len(body) // 2], content_type="application/json")
        return web.Response(text=body, content_type="application/json")

    def _next_fault(self, path: str) -> Fault | None:
        queued = self.faults.get(path)
        if not queued:
            return None
        fault = queued[0]
        fault.times -= 1
        if fault.times <= 0:
            queued.pop(0)
        return fault

    def _visible(self, path: str, token: Token, query: Any) -> list[dict[str, Any]]:
        rows = {"/accounts": self.data.accounts, "/sites": self.data.sites, "/groups": self.data.groups,
                "/agents": self.data.agents}[path]
        site_ids = set(filter(None, query.get("siteIds", "").split(",")))
        if token.site_id is not None:
            site_ids = site_ids & {token.site_id} if site_ids else {token.site_id}
            if not site_ids:
                return []
        if site_ids:
            field_name = "id" if path == "/sites" else "siteId"
            rows = [row for row in rows if str(row.get(field_name)) in site_ids]
        return rows


def _cursor(offset: int) -> str:
    return base64.b64encode(json.dumps({"id_column": "id", "offset": offset}).encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        offset = json.loads(base64.b64decode(cursor, validate=True))["offset"]
    except (ValueError, KeyError, TypeError):
        raise ValueError("cursor: not a cursor this console returned") from None
    if not isinstance(offset, int) or offset < 0:
        raise ValueError("cursor: not a cursor this console returned")
    return offset


def _validation_error(detail: str) -> web.Response:
    return web.json_response({"errors": [{"code": 4000010, "title": "Validation Error", "detail": detail}],
                              "data": None}, status=400)


@contextmanager
def serve(console: FakeConsole, latency: float = 0.0) -> Iterator[str]:
    """Run the console on 127.0.0.1 (a free port) in a thread; yields its base URL (``http://127.0.0.1:PORT``)."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    box: dict[str, Any] = {}

    async def start() -> None:
        application = console.app()
        if latency:
            @web.middleware
            async def slow(request: web.Request, handler: Any) -> web.StreamResponse:
                await asyncio.sleep(latency)
                return await handler(request)  # type: ignore[no-any-return]
            application.middlewares.append(slow)
        runner = web.AppRunner(application, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        box["runner"] = runner
        box["port"] = runner.addresses[0][1]

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="sentinelone-console", daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield f"http://127.0.0.1:{box['port']}"
    finally:
        asyncio.run_coroutine_threadsafe(box["runner"].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m aws_integration.sample.sentinelone_console``: serve the sample console until stopped."""
    import argparse
    import signal

    from aws_integration.sample.sentinelone_seed import sample_console, sample_tokens

    parser = argparse.ArgumentParser(description="a local SentinelOne console with the sample data")
    parser.add_argument("--agents", type=int, default=2500, help="agents in the sample console (default 2500)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every answer (default 0)")
    args = parser.parse_args(argv)
    console = FakeConsole(sample_console(agents=args.agents), sample_tokens())
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with serve(console, latency=args.latency_ms / 1000) as url:
        print(url, flush=True)
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
