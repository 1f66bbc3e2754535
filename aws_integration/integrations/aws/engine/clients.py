"""AWS sessions and the clients of one run, configured in one place.

The session follows the standard AWS configuration: the credential chain, profiles,
``AWS_ENDPOINT_URL`` (and the per-service variants). Retries use botocore's standard
mode; the connection pool of every client is as large as the run's concurrency
bound, or the bound would do nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import ssl
import threading
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from botocore.exceptions import BotoCoreError
from botocore.httpsession import get_cert_path
from botocore.loaders import Loader

from aiobotocore.config import AioConfig
from aiobotocore.httpsession import AIOHTTPSession
from aiobotocore.parsers import AioResponseParserFactory
from aiobotocore.session import AioSession, get_session

from aws_integration.integrations.aws.engine.answers import checked_answer, expect_operation
from aws_integration.errors import IntegrationError
from aws_integration.integrations.aws.defaults import DEFAULT_READ_TIMEOUT
from aws_integration.integrations.aws.engine.client_classes import keep_client_classes
from aws_integration.integrations.aws.engine.limits import AdaptiveLimit, is_throttling
from aws_integration.integrations.aws.engine.user_agent import memoise_user_agent
from aws_integration.integrations.aws.engine.parsing import (
    DEFAULT_OFFLOAD_BYTES,
    PARSER_DEFAULTS,
    ParserWithWorkers,
    ParseWorkers,
    default_parse_processes,
    shared_parse_workers,
)

DEFAULT_HOME_REGION = "us-east-1"
log = logging.getLogger(__name__)


class SharedTlsHttpSession(AIOHTTPSession):
    """aiobotocore's HTTP session, with its TLS contexts built once per process instead of once per client,
    and every successful answer checked to be the answer of the operation asked (see
    :mod:`~aws_integration.integrations.aws.engine.answers`).

    Building one loads the CA bundle: about 30 ms of CPU, and a run creates a client per
    service and region, over a hundred. A context is kept for the same verification,
    client certificate and proxy settings, and while the CA bundle file is unchanged.
    """

    _built: ClassVar[dict[tuple[object, ...], tuple[int | None, tuple[ssl.SSLContext, ssl.SSLContext | None]]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def _build_ssl_contexts(self, proxy_url: str | None) -> tuple[ssl.SSLContext, ssl.SSLContext | None]:
        bundle = get_cert_path(self._verify) if self._verify else None
        try:
            stamp = os.stat(bundle).st_mtime_ns if isinstance(bundle, str) else None
        except OSError:
            stamp = None  # botocore reports the missing bundle when it loads it
        key = (repr(self._verify), bundle, self._cert_file, self._key_file, proxy_url,
               repr(sorted(self._proxy_config.settings.items())))
        with self._lock:
            built = self._built.get(key)
            if built is None or built[0] != stamp:  # a changed bundle replaces the contexts built from the old one
                built = self._built[key] = (stamp, super()._build_ssl_contexts(proxy_url))
        return built[1]

    async def send(self, request: Any) -> Any:
        """Send the request; a 2xx answer that is not the operation's answer raises :class:`NotAnAwsAnswer`."""
        return await checked_answer(await super().send(request))


@dataclass(frozen=True)
class ClientSettings:
    """The knobs of every client a run creates."""

    max_concurrency: int = 32
    max_attempts: int = 6
    retry_mode: str = "standard"
    connect_timeout: float = 5.0
    read_timeout: float = DEFAULT_READ_TIMEOUT
    s3_path_style: bool = False
    parse_processes: int = field(default_factory=default_parse_processes)
    parse_offload_bytes: int = DEFAULT_OFFLOAD_BYTES

    def botocore_config(self) -> AioConfig:
        """The one place retries, timeouts and pools are configured."""
        return AioConfig(
            # total_max_attempts counts the first request, as AWS_MAX_ATTEMPTS does (max_attempts would not).
            retries={"mode": self.retry_mode, "total_max_attempts": self.max_attempts},  # type: ignore[typeddict-item]
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_pool_connections=self.max_concurrency,
            user_agent_extra="aws-integration",
            s3={"addressing_style": "path" if self.s3_path_style else "auto"},
            http_session_cls=SharedTlsHttpSession,
        )


def settings_for(
    session: AioSession, *, max_concurrency: int, s3_path_style: bool, read_timeout: float = DEFAULT_READ_TIMEOUT,
    parse_processes: int | None = None,
) -> ClientSettings:
    """Client settings that honour the user's ``max_attempts`` and ``retry_mode``.

    They come from the environment (``AWS_MAX_ATTEMPTS``, ``AWS_RETRY_MODE``) or the
    profile; without them, standard mode with six attempts.
    """
    defaults = ClientSettings()
    attempts, mode = _retry_configuration(session)
    return ClientSettings(
        max_concurrency=max_concurrency,
        max_attempts=attempts or defaults.max_attempts,
        retry_mode=mode or defaults.retry_mode,
        read_timeout=read_timeout,
        s3_path_style=s3_path_style,
        parse_processes=defaults.parse_processes if parse_processes is None else parse_processes,
    )


RETRY_MODES = ("legacy", "standard", "adaptive")


def _retry_configuration(session: AioSession) -> tuple[int | None, str | None]:
    """The attempts and retry mode the user chose (environment or profile), checked; None where not chosen."""
    try:
        attempts = session.get_config_variable("max_attempts")
        # botocore answers "legacy" when nothing is configured: only an explicit choice counts.
        mode = os.environ.get("AWS_RETRY_MODE") or session.get_scoped_config().get("retry_mode")
    except ValueError:
        raise IntegrationError("AWS_MAX_ATTEMPTS (or max_attempts in the profile) must be a whole number "
                               "of at least 1") from None
    except BotoCoreError as error:  # an unknown profile, an unreadable config file
        raise IntegrationError(str(error)) from None
    if attempts is not None and (not str(attempts).strip().isdigit() or int(attempts) < 1):
        raise IntegrationError("AWS_MAX_ATTEMPTS (or max_attempts in the profile) must be a whole number of at least 1")
    if mode and mode not in RETRY_MODES:
        raise IntegrationError(f"AWS_RETRY_MODE (or retry_mode in the profile) must be one of {', '.join(RETRY_MODES)}")
    return (int(attempts) if attempts else None), mode


def _endpoint_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError when out of range or not a number)
    except ValueError as error:
        return str(error)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "it needs http:// or https:// and a host"
    return None


def check_client_configuration(session: AioSession) -> None:
    """Refuse, in one line, an AWS configuration no client can use: retries, endpoint URLs.

    Commands call it before they open the store, so a bad setting creates nothing.
    """
    _retry_configuration(session)
    endpoints = {name: value for name, value in os.environ.items()
                 if name == "AWS_ENDPOINT_URL" or name.startswith("AWS_ENDPOINT_URL_")}
    try:
        configured = session.get_config_variable("endpoint_url")
    except BotoCoreError as error:
        raise IntegrationError(str(error)) from None
    if configured and "AWS_ENDPOINT_URL" not in endpoints:
        endpoints["endpoint_url (profile)"] = configured
    for name, url in sorted(endpoints.items()):
        problem = _endpoint_problem(url)
        if problem:
            raise IntegrationError(f"{name}={url!r} is not a usable endpoint URL: {problem}")


_LOADERS: dict[str | None, Loader] = {}  # per AWS_DATA_PATH (or a profile's data_path)
_LOADERS_LOCK = threading.Lock()


def new_session(profile: str | None = None) -> AioSession:
    """An aiobotocore session on the standard credential chain (or a named profile).

    Sessions share the process's loader of service models: a session loads and keeps
    each model it uses from botocore's JSON files (about 0.25 s of CPU for a dozen
    services), and an Organization's run makes a session per member account.
    """
    session = get_session()
    if profile:
        session.set_config_variable("profile", profile)
    try:
        data_path = session.get_config_variable("data_path")
    except BotoCoreError:  # a profile that is not configured: reported where the session is first used
        return session
    with _LOADERS_LOCK:
        loader = _LOADERS.setdefault(data_path, session.get_component("data_loader"))
    session.register_component("data_loader", loader)
    return session


def home_region(session: AioSession) -> str:
    """The configured default region, else us-east-1 (where global services answer)."""
    return session.get_config_variable("region") or DEFAULT_HOME_REGION


_XML_ERROR = (
    b"<ErrorResponse><Error><Code>InternalError</Code>"
    b"<Message>the service answered a server error without a parseable body</Message></Error></ErrorResponse>"
)
_EC2_ERROR = (
    b"<Response><Errors><Error><Code>InternalError</Code>"
    b"<Message>the service answered a server error without a parseable body</Message></Error></Errors></Response>"
)
_JSON_ERROR = b'{"__type": "InternalError", "message": "the service answered a server error without a parseable body"}'


def _parseable_server_errors(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """Give a 5xx answer whose body is not the protocol's (an HTML page from a proxy or
    load balancer) a protocol error body, so botocore's retry handler sees a transient
    ``InternalError`` and retries it, instead of failing on the parse."""
    if response_dict.get("status_code", 200) < 500:
        return
    body = bytes(response_dict.get("body") or b"").lstrip()
    protocol = operation_model.service_model.resolved_protocol
    if protocol in ("json", "rest-json"):
        if not body.startswith(b"{"):
            response_dict["body"] = _JSON_ERROR
    elif not body.startswith(b"<") or body[:9].lower() in (b"<!doctype", b"<html>") or body[:5].lower() == b"<html":
        response_dict["body"] = _EC2_ERROR if protocol == "ec2" else _XML_ERROR


class _ParserFactory(AioResponseParserFactory):
    """aiobotocore's parsers, with this project's timestamp parsing and large answers parsed by workers."""

    def __init__(self, workers: ParseWorkers) -> None:
        super().__init__()
        self.set_parser_defaults(**PARSER_DEFAULTS)
        self._workers = workers

    def create_parser(self, protocol_name: str) -> Any:
        return ParserWithWorkers(super().create_parser(protocol_name), self._workers)


AWS_DOMAINS = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".c2s.ic.gov", ".sc2s.sgov.gov")


def one_host_for_every_account(request: Any, **_: Any) -> None:
    """``before-sign``: an endpoint outside AWS's domains (moto, a proxy) serves every account at its own host.

    S3 Control's endpoint rules put the account in the host (``123456789012.s3-control...``)
    even under a custom endpoint, where that host does not exist; the account still
    travels in the ``x-amz-account-id`` header, so the prefix is dropped there.
    """
    account = request.headers.get("x-amz-account-id")
    if not account:
        return
    url = urlsplit(request.url)
    host = url.hostname or ""
    prefix = f"{account.decode() if isinstance(account, bytes) else account}."
    if host.startswith(prefix) and not host.endswith(AWS_DOMAINS):
        request.url = urlunsplit(url._replace(netloc=url.netloc.replace(prefix, "", 1)))


def _log_call(service: str, region: str, http_response: Any, parsed: Mapping[str, Any], model: Any, **_: Any) -> None:
    metadata = parsed.get("ResponseMetadata", {})
    log.debug("%s %s in %s: HTTP %s, %s retries, request %s", service, model.name, region,
              getattr(http_response, "status_code", "?"), metadata.get("RetryAttempts", 0), metadata.get("RequestId", "-"))


class ClientPool:
    """One client per (service, region), created on first use and closed at the end.

    ``requests`` counts the HTTP requests its clients sent, retries included;
    ``limit`` is a service's requests in flight in a region, which adapts to throttling
    (:mod:`~aws_integration.integrations.aws.engine.limits`).
    """

    def __init__(self, session: AioSession, settings: ClientSettings) -> None:
        keep_client_classes()
        self._session = session
        self._parse_workers = shared_parse_workers(settings.parse_processes, settings.parse_offload_bytes)
        session.register_component("response_parser_factory", _ParserFactory(self._parse_workers))
        self._config = settings.botocore_config()
        self._stack = contextlib.AsyncExitStack()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = asyncio.Lock()
        self._regions: dict[str, set[str]] = {}
        self._limits: dict[tuple[str, str], AdaptiveLimit] = {}
        self._ceiling = settings.max_concurrency
        self.requests = 0

    def limit(self, service: str, region: str) -> AdaptiveLimit:
        """The requests in flight to ``service`` in ``region``, at most the pool's bound."""
        key = (service, region)
        if key not in self._limits:
            self._limits[key] = AdaptiveLimit(self._ceiling)
        return self._limits[key]

    def _retrying(self, key: tuple[str, str], response: Any = None, **_: Any) -> None:
        if is_throttling(response):
            limit = self.limit(*key)
            cuts = limit.cuts
            limit.throttled()
            if limit.cuts > cuts:
                log.info("%s throttles in %s: at most %d of its requests in flight, for now", *key, limit.limit)

    def _answered(self, key: tuple[str, str], http_response: Any = None, parsed: Any = None, **_: Any) -> None:
        if not is_throttling((http_response, parsed)):
            self.limit(*key).answered()

    async def get(self, service: str, region: str) -> Any:
        """The client for ``service`` in ``region``."""
        key = (service, region)
        client = self._clients.get(key)
        if client is not None:
            return client
        async with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = await self._stack.enter_async_context(
                    self._session.create_client(service, region_name=region, config=self._config)
                )
                memoise_user_agent(client)
                client.meta.events.register("before-call", expect_operation)
                client.meta.events.register("before-parse", _parseable_server_errors)
                client.meta.events.register("before-parse", self._parse_workers.mark)
                client.meta.events.register("request-created", self._count_request)
                client.meta.events.register("needs-retry", functools.partial(self._retrying, key))
                client.meta.events.register("after-call", functools.partial(self._answered, key))
                if service == "s3control":  # the one service here whose hosts name the account
                    client.meta.events.register("before-sign", one_host_for_every_account)
                if log.isEnabledFor(logging.DEBUG):  # -vv: one line per request, with nothing signed in it
                    client.meta.events.register("after-call", functools.partial(_log_call, service, region))
                self._clients[key] = client
            return client

    def _count_request(self, **_: Any) -> None:
        self.requests += 1

    async def available_regions(self, service: str) -> set[str]:
        """Regions where the service exists, by botocore's endpoint data."""
        if service not in self._regions:
            self._regions[service] = set(await self._session.get_available_regions(service))
        return self._regions[service]

    async def foreign_regions(self, partition: str) -> set[str]:
        """Regions botocore places in partitions other than ``partition``."""
        foreign: set[str] = set()
        for other in self._session.get_available_partitions():
            if other != partition:
                foreign |= set(await self._session.get_available_regions("ec2", partition_name=other))
        return foreign

    async def __aenter__(self) -> "ClientPool":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._stack.aclose()
        self._clients.clear()
