"""Serving the collector: the writer, the forwarder, the app and uvicorn, built in one place.

``serve()`` runs in the foreground for ``doorstep collector serve``; ``start()`` runs the
very same service in a background thread for tests and benchmarks.

Uvicorn is configured so that nothing it prints can carry an address: no access log,
its own start-up line (which names the bind address) silenced in favour of ours
("listening on port N"), and every line it still prints scrubbed of anything that looks
like an address as a second fence.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Optional

from doorstep.collector.app import App, build
from doorstep.collector.forward import Forwarder
from doorstep.collector.ratelimit import Limiter
from doorstep.collector.store import Store
from doorstep.collector.writer import Writer
from doorstep.events import redact, schema
from doorstep.foundation import product as product_module
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.product import Product

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_ANY = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class Settings:
    db: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    forward_url: Optional[str] = None  # PostHog's batch endpoint
    posthog_key: Optional[str] = None
    retention_days: int = field(default_factory=lambda: schema.current().retention_days)
    limiter: Optional[Limiter] = None  # default: ratelimit's defaults
    db_wait: float = 5.0  # seconds a write waits for another writer's lock
    # Whose events are accepted: the app validates with this product's schema.
    product: Product = field(default_factory=product_module.current)


class Service:
    """The database writer, the optional forwarder and the app over them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # A mistake in the product's events is one ProductError, before anything opens.
        the_schema = schema.for_product(settings.product)
        store = Store.open(
            settings.db, settings.db_wait
        )  # raises StoreError (one line) before anything starts
        self.writer = Writer(store, retention_days=settings.retention_days)
        self.forwarder: Optional[Forwarder] = None
        if settings.forward_url:
            self.forwarder = Forwarder(settings.forward_url, settings.posthog_key or "")
        self.app: App = build(
            self.writer,
            settings.limiter or Limiter(),
            self.forwarder,
            settings.retention_days,
            the_schema=the_schema,
        )

    def start(self) -> None:
        self.writer.start()
        if self.forwarder is not None:
            self.forwarder.start()

    def stop(self) -> list[str]:
        """Finish queued work; returns the closing summary lines."""
        lines = []
        if self.forwarder is not None:
            counts = self.forwarder.close()
            lines.append(
                f"forwarded {counts.forwarded} events to PostHog "
                f"({counts.dropped} dropped with a full queue, {counts.failed} not accepted)"
            )
        self.writer.close()
        answers = self.app.answers
        refused = sum(n for status, n in answers.items() if status != 204)
        lines.insert(0, f"stored {self.writer.stored} new events; refused {refused} requests")
        return lines


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, or a one-line DoorstepError (port taken, bad host, no permission)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        raise DoorstepError(f"cannot listen on --host {host!r}: {_why(exc)}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise DoorstepError(
            f"cannot listen on port {port}: {_why(exc)} (choose another with --port)"
        ) from None
    sock.setblocking(False)
    return sock


def where(host: str) -> str:
    """The listening scope in words; the host literal is never printed (see module doc)."""
    if host in _LOOPBACK:
        return "this machine only"
    if host in _ANY:
        return "all interfaces"
    return "the address given by --host"


def uvicorn_server(app: Any) -> Any:
    """A uvicorn server for ``app`` configured as the collector needs (run it on a socket)."""
    import uvicorn  # deferred: report and prune work without the server installed

    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,  # addresses from forwarding headers are never wanted either
        lifespan="off",
        limit_concurrency=1024,  # past this uvicorn answers 503 instead of queueing forever
        timeout_graceful_shutdown=5,
    )
    return uvicorn.Server(config)


class _Scrubbed(logging.Filter):
    """A second fence on uvicorn's own lines: anything address-like is replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact.scrub(record.getMessage())
        record.args = ()
        if record.exc_info:
            record.exc_text = redact.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(stream: IO[str], prefix: str) -> None:
    """Our lines and uvicorn's warnings to ``stream``, one line each, no access log."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(f"{prefix}: %(message)s"))
    ours = logging.getLogger("collector")
    ours.handlers = [handler]
    ours.setLevel(logging.INFO)
    ours.propagate = False
    scrubbed = logging.StreamHandler(stream)
    scrubbed.setFormatter(logging.Formatter(f"{prefix}: server: %(message)s"))
    scrubbed.addFilter(_Scrubbed())
    theirs = logging.getLogger("uvicorn")
    theirs.handlers = [scrubbed]
    theirs.propagate = False
    # INFO would include "Uvicorn running on http://<host>:<port>".
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi"):
        logging.getLogger(name).setLevel(logging.WARNING)
    access = logging.getLogger("uvicorn.access")
    access.handlers = []
    access.propagate = False
    access.disabled = True


def serve(settings: Settings, out: IO[str], prefix: str) -> int:
    """Run until interrupted (Ctrl-C or SIGTERM); returns the exit code."""
    configure_logging(sys.stderr, prefix)
    sock = listen(settings.host, settings.port)
    try:
        service = Service(settings)
    except BaseException:
        sock.close()
        raise
    port = sock.getsockname()[1]
    service.start()
    server = uvicorn_server(service.app)
    out.write(
        f"{prefix}: listening on port {port} ({where(settings.host)}); POST /v1/events "
        f"({settings.product.display_name}'s schema); database {settings.db}; Ctrl-C stops\n"
    )
    if service.forwarder is not None:
        out.write(f"{prefix}: forwarding accepted events to PostHog at {service.forwarder.url}\n")
    out.flush()
    # uvicorn re-raises the signal that stopped it once it has restored the previous
    # handlers; with these in place that is a no-op and the summary below still runs.
    previous = {sig: signal.signal(sig, _noted) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
        for line in service.stop():
            out.write(f"{prefix}: {line}\n")
        out.flush()
    return 0


def _noted(signum: int, frame: object) -> None:
    pass  # see serve(): the stop has been handled by uvicorn already


@dataclass
class Running:
    """A collector serving in a background thread (tests, benchmarks)."""

    service: Service
    port: int
    _server: Any
    _thread: threading.Thread
    _sock: socket.socket

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/events"

    def close(self, timeout: float = 10.0) -> list[str]:
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self._sock.close()
        return self.service.stop()


def start(settings: Settings, timeout: float = 10.0) -> Running:
    """Serve ``settings`` in a daemon thread; returns once the server accepts connections."""
    sock = listen(settings.host, settings.port)
    service = Service(settings)
    service.start()
    server = uvicorn_server(service.app)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="collector-server", daemon=True
    )
    thread.start()
    running = Running(service, sock.getsockname()[1], server, thread, sock)
    deadline = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if server.started or not thread.is_alive():
            break
        deadline.wait(0.01)
    if not server.started:
        running.close()
        raise DoorstepError("the collector did not start")
    return running


def _why(exc: BaseException) -> str:
    return (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).strip()


__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "Running",
    "Service",
    "Settings",
    "configure_logging",
    "listen",
    "serve",
    "start",
    "uvicorn_server",
    "where",
]
