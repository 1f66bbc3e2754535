"""moto's server, answering what it does not implement the way a service says so: HTTP 501.

moto answers an operation it has no code for with a 500 page (a Python
``NotImplementedError``), a REST path it has no route for with a 404 page, and a service it
has no backend for at all (Lightsail, IAM Access Analyzer) with a 500 page. None is
an answer AWS gives, and a 500 reads as a transient failure worth retrying. Run as
``python -m aws_integration.sample.moto_endpoint`` (moto's own arguments), every backend
answers both with 501 Not Implemented, in the protocol's error format, naming the call.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from flask import Flask, Response, request
from moto import server
from moto.moto_server import werkzeug_app

NOT_IMPLEMENTED = 501


def not_implemented(error: BaseException | None = None) -> Response:
    """The 501 answer for the request being served, with an error code botocore reads."""
    target = request.headers.get("X-Amz-Target", "")
    operation = target.rsplit(".", 1)[-1] if target else request.values.get("Action") or f"{request.method} {request.path}"
    message = f"this endpoint (moto) does not implement {operation}"
    if target or "json" in request.headers.get("Content-Type", ""):
        body, content_type = json.dumps({"__type": "NotImplemented", "message": message}), "application/x-amz-json-1.1"
    else:
        body = f"<ErrorResponse><Error><Code>NotImplemented</Code><Message>{message}</Message></Error></ErrorResponse>"
        content_type = "text/xml"
    return Response(body, status=NOT_IMPLEMENTED, content_type=content_type,
                    headers={"x-amzn-ErrorType": "NotImplemented"})


_moto_backend_app = werkzeug_app.create_backend_app  # server.main builds its dispatcher with this name


def _no_backend_app() -> Flask:
    """The app for a service moto has no backend for: every request is answered 501."""
    app = Flask("not-implemented")
    methods = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]
    app.add_url_rule("/", "any", lambda path: not_implemented(), defaults={"path": ""}, methods=methods)
    app.add_url_rule("/<path:path>", "any_path", lambda path: not_implemented(), methods=methods)
    return app


def create_backend_app(service: Any) -> Flask:
    """moto's app for ``service``, answering 501 where moto has no code, no route, or no backend."""
    if service is None:
        return _no_backend_app()
    app = _moto_backend_app(service)
    app.register_error_handler(NotImplementedError, not_implemented)
    app.register_error_handler(404, not_implemented)
    return app


def main(argv: list[str] | None = None) -> None:
    """moto's server, with every backend app made by :func:`create_backend_app`."""
    server.create_backend_app = create_backend_app  # type: ignore[assignment]
    server.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
