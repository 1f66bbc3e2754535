"""Real PostgreSQL and Redis servers for the tests, from Debian's packages.

Each is started on 127.0.0.1 at a free port, in a temporary directory of its own, and
stopped by its PID. When the binaries are missing, :class:`ServerMissing` says which
package to install (``.ci/run`` installs both); the tests that need the server are then
skipped with that reason, never silently, and the benches say so.
PostgreSQL refuses to run as root: under root (CI) the server runs as Debian's
``postgres`` user, in a directory that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

STARTUP_SECONDS = 30


class ServerMissing(Exception):
    """The server (or its client library) is not installed here; the message says what to install."""


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_bin() -> Path | None:
    """The directory of PostgreSQL's server binaries: on the PATH, else Debian's newest version."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _wait_for_port(port: int, process: subprocess.Popen[bytes], name: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} at start: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {STARTUP_SECONDS} s")


def _stop(process: subprocess.Popen[bytes], sig: int) -> None:
    """Stop a server by its PID, and wait for it (killed if it does not stop)."""
    if process.poll() is None:
        os.kill(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class PostgresServer:
    """A running PostgreSQL cluster; ``database()`` makes a new empty database on it."""

    port: int
    process: subprocess.Popen[bytes]
    _databases: int = 0

    def url(self, database: str = "postgres") -> str:
        """The connection URL of one of its databases (trust authentication, no password)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        self._databases += 1
        name = f"test_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
        return self.url(name)


def _server_user() -> dict[str, int]:
    """Run as ``postgres`` when we are root (the server refuses root), else as ourselves."""
    if os.geteuid() != 0:
        return {}
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        raise ServerMissing("PostgreSQL refuses to run as root and there is no 'postgres' user "
                            "(apt-get install postgresql)") from None
    return {"user": entry.pw_uid, "group": entry.pw_gid}


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL on 127.0.0.1 (:class:`ServerMissing` when it is not installed)."""
    bindir = _postgres_bin()
    if bindir is None:
        raise ServerMissing("PostgreSQL's server is not installed (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise ServerMissing("psycopg is not installed (pip install -e '.[test]')") from None
    identity = _server_user()
    root = Path(tempfile.mkdtemp(prefix="aws-integration-postgres-"))
    if identity:
        os.chown(root, identity["user"], identity["group"])
    data, log = root / "data", root / "server.log"
    port = free_port()
    process: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync"],
            check=True, capture_output=True, **identity,
        )
        with open(log, "wb") as output:
            process = subprocess.Popen(
                [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(root),
                 "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                 "-c", "max_connections=200"],
                stdout=output, stderr=subprocess.STDOUT, **identity,
            )
        _wait_for_port(port, process, "postgres", log)
        _wait_until_accepting(PostgresServer(port, process))
        yield PostgresServer(port, process)
    finally:
        if process is not None:
            _stop(process, signal.SIGINT)  # PostgreSQL's fast shutdown
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_accepting(server: PostgresServer) -> None:
    """The port opens before the cluster accepts connections ("the database system is starting up")."""
    import psycopg

    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            psycopg.connect(server.url(), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclass
class RedisServer:
    """A running Redis server."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """Start a throwaway Redis on 127.0.0.1 (:class:`ServerMissing` when it is not installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerMissing("Redis is not installed (apt-get install redis-server)")
    root = Path(tempfile.mkdtemp(prefix="aws-integration-redis-"))
    port, log = free_port(), root / "server.log"
    process: subprocess.Popen[bytes] | None = None
    try:
        with open(log, "wb") as output:
            process = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(root), "--save", "",
                 "--appendonly", "no", "--daemonize", "no"],
                stdout=output, stderr=subprocess.STDOUT,
            )
        _wait_for_port(port, process, "redis-server", log)
        yield RedisServer(port, process)
    finally:
        if process is not None:
            _stop(process, signal.SIGTERM)
        shutil.rmtree(root, ignore_errors=True)
