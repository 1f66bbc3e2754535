"""Start and stop moto's server on a free 127.0.0.1 port, as a child process (answering 501 for what moto lacks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MotoServer:
    """moto's server in a child process; stopped by its PID on exit."""

    def __init__(self, env: Mapping[str, str] | None = None, startup_seconds: float = 30.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, **(env or {})}
        self._startup_seconds = startup_seconds
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The server's process ID while it runs."""
        return self._process.pid if self._process else None

    def start(self) -> "MotoServer":
        """Start the server and wait until it answers."""
        self._process = subprocess.Popen(
            [sys.executable, "-m", "aws_integration.sample.moto_endpoint", "-H", "127.0.0.1", "-p", str(self.port)],
            env=self._env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + self._startup_seconds
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto server exited with code {self._process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=1):
                    return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto server did not answer on {self.url} within {self._startup_seconds} s")

    def reset(self) -> None:
        """Forget every resource (moto's reset API)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def _reset_auth(self, unchecked_requests: str) -> None:
        request = urllib.request.Request(
            f"{self.url}/moto-api/reset-auth", data=unchecked_requests.encode(), method="POST",
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    @contextmanager
    def iam_enforced(self) -> Iterator[None]:
        """Inside the block, moto checks every request against the caller's IAM policies."""
        self._reset_auth("0")
        try:
            yield
        finally:
            self._reset_auth("inf")

    def stop(self) -> None:
        """Stop the server by its PID (terminate, then kill)."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def __enter__(self) -> "MotoServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
