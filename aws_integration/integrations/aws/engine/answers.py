"""Whether a successful HTTP answer is the answer of the AWS operation that was asked.

botocore parses a 200 answer whose body is not the protocol's document (an HTML page
from a proxy or a captive portal, a body cut off on the way) into an empty result, so
a listing would look empty and a run would delete everything stored for it. Each
answer is checked before botocore sees it, cheaply (no second parse): the body must be
the protocol's document, whole, and of this operation. One that is not raises
:class:`NotAnAwsAnswer`, which botocore's retry modes (standard, adaptive) retry like a
dropped connection; when every attempt gets one, the call fails with it, never with
the body, which the error does not carry.
"""

from __future__ import annotations

import contextvars
import re
from typing import Any

from botocore.exceptions import HTTPClientError
from botocore.model import OperationModel

# The operation of the API call the current task is making: set before each call, read by the HTTP session.
EXPECTED_OPERATION: contextvars.ContextVar[OperationModel | None] = contextvars.ContextVar(
    "aws_integration_expected_operation", default=None
)
_XML_ROOT = re.compile(rb"\A(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<([A-Za-z_][\w.:-]*)", re.DOTALL)
_JSON_PROTOCOLS = frozenset({"json", "rest-json"})
_WHOLE_DOCUMENT_PROTOCOLS = frozenset({"json", "query", "ec2"})  # their 2xx answers always have a body


class NotAnAwsAnswer(HTTPClientError):
    """A 2xx answer whose body is not the operation's answer (retried like a dropped connection)."""

    fmt = "{operation}: the endpoint answered HTTP {status} with {problem}, not the service's answer"


def expect_operation(model: OperationModel, **_: Any) -> None:
    """``before-call`` handler: remember which operation the current task's next requests answer."""
    EXPECTED_OPERATION.set(model)


def _body_members(model: OperationModel) -> list[str]:
    """The names the operation's output carries in the body (not in headers or the status line)."""
    shape = model.output_shape
    if shape is None:
        return []
    names = []
    for name, member in getattr(shape, "members", {}).items():
        if member.serialization.get("location") is None:
            names.append(member.serialization.get("name", name))
    return names


def _xml_problem(body: bytes, model: OperationModel, protocol: str) -> str | None:
    found = _XML_ROOT.match(body)
    if found is None:
        return "a body that is not an XML document"
    root = found.group(1)
    if root.lower() == b"html":
        return "an HTML page"
    if not (body.endswith(b"</" + root + b">") or (body.endswith(b"/>") and body.count(b"<") == body.count(b"<?") + 1)):
        return "an XML document that is cut off"
    if protocol in ("query", "ec2") and root != f"{model.name}Response".encode():
        return f"an XML document <{root.decode(errors='replace')[:40]}> of another operation"
    return None


def _json_problem(body: bytes, model: OperationModel) -> str | None:
    if body[:1] != b"{":
        return "an HTML page" if body[:1] == b"<" else "a body that is not a JSON object"
    if body[-1:] != b"}":
        return "a JSON document that is cut off"
    members = _body_members(model)
    if members and body.replace(b" ", b"") != b"{}" and not any(f'"{name}"'.encode() in body for name in members):
        return "a JSON object that has none of the operation's fields"
    return None


def answer_problem(model: OperationModel, status: int, body: bytes) -> str | None:
    """Why a 2xx answer's body is not the operation's answer, or ``None`` when it is (or is not checked)."""
    if not 200 <= status < 300 or model.has_streaming_output:
        return None
    protocol = model.service_model.resolved_protocol
    stripped = body.strip()
    if not stripped:
        if protocol in _WHOLE_DOCUMENT_PROTOCOLS and (protocol != "json" or _body_members(model)):
            return "an empty body"
        return None
    head = stripped[:15].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if protocol in _JSON_PROTOCOLS:
        return _json_problem(stripped, model)
    return _xml_problem(stripped, model, protocol)


async def checked_answer(response: Any) -> Any:
    """The HTTP response, after checking it answers the operation the current task asked for."""
    model = EXPECTED_OPERATION.get()
    if model is not None and 200 <= response.status_code < 300 and not model.has_streaming_output:
        problem = answer_problem(model, response.status_code, await response.content)
        if problem:
            raise NotAnAwsAnswer(operation=model.name, status=response.status_code, problem=problem)
    return response
