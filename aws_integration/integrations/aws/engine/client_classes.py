"""A service's client class, built once per session instead of once per client.

botocore builds a new class for every client it creates: one method per operation
(EC2 has over 700), the name mapping, and the ``creating-client-class`` event that lets
handlers add methods. A run creates a client per service and region, over two hundred,
and the class of one service is the same in every region: what differs between clients
(region, endpoint, credentials, configuration, the service model they consult on each
call) lives on the instance. So the class is kept per session's event emitter (whose
handlers decide its methods) and service model version.
"""

from __future__ import annotations

import weakref
from typing import Any

from aiobotocore.client import AioClientCreator

_built: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], type]] = weakref.WeakKeyDictionary()
_build = AioClientCreator._create_client_class  # noqa: SLF001 (the method being kept)


async def _kept_client_class(self: AioClientCreator, service_name: str, service_model: Any) -> type:
    """botocore's class for ``service_name``, built on the session's first client of it."""
    emitter = self._event_emitter  # noqa: SLF001
    classes = _built.setdefault(emitter, {})
    key = (service_name, service_model.api_version)
    cls = classes.get(key)
    if cls is None:
        cls = classes[key] = await _build(self, service_name, service_model)
    return cls


def keep_client_classes() -> None:
    """Have every aiobotocore client creator of this process reuse its session's classes (idempotent)."""
    AioClientCreator._create_client_class = _kept_client_class  # type: ignore[method-assign]  # noqa: SLF001
