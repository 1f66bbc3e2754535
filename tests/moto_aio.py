"""Let aiobotocore clients talk to moto's in-process ``mock_aws``.

moto answers botocore's ``before-send`` event with a synchronous ``AWSResponse``;
aiobotocore awaits the body. This handler asks moto's own stubber for the response
and hands it to aiobotocore in its awaitable form. moto still implements every call.
"""

from __future__ import annotations

from typing import Any

from aiobotocore.awsrequest import AioAWSResponse
from aiobotocore.session import AioSession
from moto.core.models import botocore_stubber

from aws_integration.integrations.aws.engine.clients import new_session


class _AwaitableBody:
    def __init__(self, body: bytes | str) -> None:
        self._body = body.encode() if isinstance(body, str) else body

    async def read(self, *_: Any) -> bytes:
        body, self._body = self._body, b""
        return body


async def _moto_before_send(request: Any, **_: Any) -> AioAWSResponse | None:
    if not botocore_stubber.enabled:
        return None
    response = botocore_stubber.process_request(request)
    if response is None:
        return None
    status, headers, body = response
    return AioAWSResponse(request.url, status, headers, _AwaitableBody(body))


def moto_session() -> AioSession:
    """An aiobotocore session as the product makes them, answered by the active ``mock_aws``."""
    session = new_session()
    session.unregister("before-send", botocore_stubber)
    session.register("before-send", _moto_before_send)
    return session
