"""Serving the collector: the writer, the forwarder, the app and uvicorn, built in one place.

``serve()`` runs in the foreground for ``doorstep collector serve``; ``start()`` runs the
very same service in a background thread for tests and benchmarks.

Uvicorn is configured so that nothing it prints can carry an address: no access log,
its own start-up line (which names the bind address) silenced in favour of ours
("listening on port N"), and every line it still prints scrubbed of anything that looks
like an address as a second fence.

It also survives the internet (see ``connections`` and ``budget``): a request must
arrive whole within ``request_timeout`` seconds, an idle connection is closed after
``keep_alive`` seconds or to make room past ``max_connections``, the soft limit on open
files is raised to the hard one so that those connections fit, and past the global
ingest budget or the database's size cap requests are answered 429 or 503.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Optional

from doorstep.collector import budget as budget_module
from doorstep.collector import forward
from doorstep.collector.app import App, build
from doorstep.collector.budget import Budget
from doorstep.collector.dashboard.app import LOOPBACK
from doorstep.collector.forward import Forwarder
from doorstep.collector.ratelimit import Limiter
from doorstep.collector.store import Store
from doorstep.collector.writer import MB, Writer
from doorstep.events import redact, schema
from doorstep.foundation import product as product_module
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.product import Product

if TYPE_CHECKING:
    from doorstep.collector.connections import Guard

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
MAX_DB_MB = 1024  # the database's size cap: about ten million events
MAX_CONNECTIONS = 1024  # open at once; past this the longest-waiting idle one is closed
REQUEST_TIMEOUT = 10.0  # seconds for a whole request to arrive, head and body
KEEP_ALIVE = 5.0  # seconds an idle connection is kept open after an answer
_SPARE_FILES = 64  # open files kept for the database, the forwarder and the rest
_BACKLOG = 2048  # connections the kernel queues for accepting (and asyncio takes at once)
_DASHBOARD_CONNECTIONS = 64  # the dashboard's readers are few; its limit keeps them so
_ANY = ("0.0.0.0", "::", "")

log = logging.getLogger("collector")


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
    # Events per second over all install ids (budget.py); 0 for no global budget.
    max_events_per_second: float = budget_module.EVENTS_PER_SECOND
    max_db_mb: float = MAX_DB_MB  # the database's size cap in MB (2**20 bytes); 0 for none
    max_connections: int = MAX_CONNECTIONS  # open at once (lowered to fit the open-files limit)
    request_timeout: float = REQUEST_TIMEOUT  # seconds for a whole request to arrive
    keep_alive: float = KEEP_ALIVE  # seconds an idle connection stays open after an answer
    forward_interval: float = forward.INTERVAL  # seconds between posts to PostHog, at least
    # uvicorn's HTTP protocol, guarded (connections.py): "auto" is httptools when installed.
    http: str = "auto"
    # The dashboard's own listener (dashboard.py); None for no dashboard.
    dashboard_port: Optional[int] = None
    dashboard_host: str = DEFAULT_HOST
    dashboard_token: Optional[str] = field(default=None, repr=False)  # never printed
    report_command: Optional[str] = None  # the page's footer names it (default: the product's)
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
        max_bytes = int(settings.max_db_mb * MB) if settings.max_db_mb > 0 else None
        self.writer = Writer(store, retention_days=settings.retention_days, max_bytes=max_bytes)
        self.forwarder: Optional[Forwarder] = None
        if settings.forward_url:
            self.forwarder = Forwarder(
                settings.forward_url,
                settings.posthog_key or "",
                interval=settings.forward_interval,
            )
        self.budget: Optional[Budget] = None
        if settings.max_events_per_second > 0:
            self.budget = Budget(settings.max_events_per_second)
        self.app: App = build(
            self.writer,
            settings.limiter or Limiter(),
            self.forwarder,
            settings.retention_days,
            the_schema=the_schema,
            budget=self.budget,
        )
        self.guard: Optional[Guard] = None  # the connections' limits, once a server is made

    def start(self) -> None:
        self.writer.start()
        if self.forwarder is not None:
            self.forwarder.start()

    def server(self) -> Any:
        """The uvicorn server for this service (with its limits); run it on a socket."""
        from doorstep.collector import connections  # deferred: it imports uvicorn

        settings = self.settings
        allowed, backlog = settings.max_connections, _BACKLOG
        files = open_files_limit()
        if files is not None:
            # asyncio accepts up to ``backlog`` connections at a time before any of them
            # can be looked at, so half the files are kept for those and for the rest.
            allowed = max(1, min(allowed, (files - _SPARE_FILES) // 2))
            backlog = max(16, min(backlog, (files - _SPARE_FILES) // 8))
            if allowed < settings.max_connections:
                log.warning(
                    "the open-files limit (%d) allows %d connections, not %d; "
                    "raise it with ulimit -n",
                    files,
                    allowed,
                    settings.max_connections,
                )
        self.guard = connections.Guard(allowed, settings.request_timeout)
        return uvicorn_server(self.app, self.guard, settings.keep_alive, backlog, settings.http)

    def limits(self) -> str:
        """The limits in words, for the start-up lines."""
        settings = self.settings
        budget = (
            f"{settings.max_events_per_second:,g} events/s over all installs"
            if self.budget is not None
            else "no global ingest budget"
        )
        cap = (
            f"the database up to {settings.max_db_mb:,g} MB"
            if settings.max_db_mb > 0
            else "no cap on the database's size"
        )
        connections = self.guard.max_connections if self.guard is not None else "?"
        return (
            f"limits: {budget}; {cap}; {connections} connections; "
            f"each request whole within {settings.request_timeout:g} s"
        )

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
        guard = self.guard
        if guard is not None and (guard.timed_out or guard.made_room):
            lines.insert(
                1,
                f"closed {guard.timed_out} connections that sent no whole request in time "
                f"and {guard.made_room} idle ones to make room",
            )
        return lines


def listen(host: str, port: int, flags: tuple[str, str] = ("--host", "--port")) -> socket.socket:
    """A listening socket, or a one-line DoorstepError (port taken, bad host, no permission).

    ``flags`` name the options that chose the host and the port, for the error.
    """
    host_flag, port_flag = flags
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        raise DoorstepError(f"cannot listen on {host_flag} {host!r}: {_why(exc)}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRNOTAVAIL:  # the host is not an address of this machine
            raise DoorstepError(
                f"cannot listen on {host_flag} {host!r}: {_why(exc)} "
                "(give an address of this machine, or leave the default)"
            ) from None
        raise DoorstepError(
            f"cannot listen on port {port}: {_why(exc)} (choose another with {port_flag})"
        ) from None
    sock.setblocking(False)
    return sock


def where(host: str) -> str:
    """The listening scope in words; the host literal is never printed (see module doc)."""
    if host in LOOPBACK:
        return "this machine only"
    if host in _ANY:
        return "all interfaces"
    return "the address given by --host"


def uvicorn_server(
    app: Any,
    guard: Optional[Guard] = None,
    keep_alive: float = KEEP_ALIVE,
    backlog: int = _BACKLOG,
    http: str = "auto",
) -> Any:
    """A uvicorn server for ``app`` configured as the collector needs (run it on a socket).

    ``guard`` holds the request deadline and the connection limit (default: the defaults);
    ``http`` chooses the protocol (``connections.protocol``), httptools when installed.
    """
    import uvicorn  # deferred: report and prune work without the server installed

    from doorstep.collector import connections

    if guard is None:
        guard = connections.Guard(MAX_CONNECTIONS, REQUEST_TIMEOUT)
    config = uvicorn.Config(
        app,
        # The deadline, the room rule and the head cap, on httptools or h11.
        http=connections.protocol(guard, http),  # type: ignore[arg-type]
        ws="none",
        h11_max_incomplete_event_size=connections.MAX_HEAD_BYTES,  # the h11 protocol's cap
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,  # addresses from forwarding headers are never wanted either
        lifespan="off",
        # The guard keeps connections at its limit by closing idle ones; past it, with
        # every connection busy, uvicorn answers 503 instead of queueing forever.
        limit_concurrency=guard.max_connections + 1,
        timeout_keep_alive=keep_alive,  # type: ignore[arg-type]  # a float works (call_later)
        timeout_graceful_shutdown=5,
        backlog=backlog,  # how many asyncio accepts at once (the queue stays _BACKLOG)
    )
    return connections.Server(config, queue=_BACKLOG)


def open_files_limit() -> Optional[int]:
    """Raise this process's soft limit on open files to its hard limit; the soft limit now.

    None where there are no such limits (Windows).
    """
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    # An unlimited hard limit: ask for plenty, then for macOS's OPEN_MAX if that is refused.
    targets = (hard,) if hard != resource.RLIM_INFINITY else (65536, 10240)
    for target in targets:
        if target <= soft:
            break
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            return target
        except (ValueError, OSError):
            continue
    return soft


class _Scrubbed(logging.Filter):
    """A second fence on uvicorn's own lines: anything address-like is replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact.scrub(record.getMessage())
        record.args = ()
        if record.exc_info:
            record.exc_text = redact.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class _OneLine(logging.Filter):
    """asyncio's reports (a failed accept when out of files, say) as one line, at most one
    a minute for each kind: under a flood of connections they would come by the thousand."""

    def __init__(self, every: float = 60.0) -> None:
        super().__init__()
        self._every = every
        self._last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        first = record.getMessage().splitlines()[0] if record.getMessage() else "asyncio"
        now = time.monotonic()
        if now - self._last.get(first, -self._every) < self._every:
            return False
        self._last[first] = now
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            first = f"{first} ({type(error).__name__}: {error})"
        record.msg, record.args, record.exc_info, record.exc_text = first, (), None, None
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
    for name in ("uvicorn", "asyncio"):  # asyncio reports failed accepts and callbacks
        theirs = logging.getLogger(name)
        theirs.handlers = [scrubbed]
        theirs.propagate = False
    loop_reports = logging.getLogger("asyncio")
    loop_reports.filters = [_OneLine()]
    # INFO would include "Uvicorn running on http://<host>:<port>".
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi"):
        logging.getLogger(name).setLevel(logging.WARNING)
    access = logging.getLogger("uvicorn.access")
    access.handlers = []
    access.propagate = False
    access.disabled = True


def stop_thread(server: Any, thread: threading.Thread, timeout: float) -> None:
    """Stop a uvicorn server running in ``thread``: gracefully, then forced."""
    server.should_exit = True
    thread.join(timeout)
    if thread.is_alive():
        server.force_exit = True
        thread.join(timeout)


class Board:
    """The dashboard (``dashboard.Dashboard``) on its own socket, served in a thread.

    Made before anything else opens, so that a dashboard that may not listen where it was
    asked to (no token) or cannot (port taken) stops ``serve`` in one line.
    """

    def __init__(self, settings: Settings) -> None:
        from doorstep.collector.dashboard import app as dashboard

        assert settings.dashboard_port is not None
        self.settings = settings
        dashboard.check_host(settings.dashboard_host, settings.product, settings.dashboard_token)
        self.sock = listen(
            settings.dashboard_host,
            settings.dashboard_port,
            ("--dashboard-host", "--dashboard-port"),
        )
        self.app = dashboard.Dashboard(
            settings.db, settings.product, settings.dashboard_token, settings.report_command
        )
        self._server: Any = None
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def start(self) -> None:
        from doorstep.collector import connections  # deferred: it imports uvicorn

        settings = self.settings
        guard = connections.Guard(_DASHBOARD_CONNECTIONS, settings.request_timeout)
        self._server = uvicorn_server(self.app, guard, settings.keep_alive, http=settings.http)
        # uvicorn takes signals only in the main thread: Ctrl-C stops the ingest server,
        # and serve() then closes this one.
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self.sock]},
            name="collector-dashboard",
            daemon=True,
        )
        self._thread.start()

    def started(self) -> bool:
        return self._server is not None and bool(self._server.started)

    def line(self) -> str:
        """The start-up line: where, and whether a token is needed (never the token)."""
        settings = self.settings
        guarded = "; a token is needed" if settings.dashboard_token else ""
        return (
            f"dashboard on port {self.port} ({where(settings.dashboard_host)}) "
            f"at GET /dashboard{guarded}"
        )

    def close(self, timeout: float = 10.0) -> None:
        if self._server is not None and self._thread is not None:
            stop_thread(self._server, self._thread, timeout)
        self.sock.close()


def _open(settings: Settings) -> tuple[socket.socket, Optional[Board], Service]:
    """The dashboard's listener (when asked for), the ingest socket and the service, in
    that order: a refusal or a taken port stops everything before the database opens,
    and whatever opened is closed again when a later step fails."""
    with contextlib.ExitStack() as undo:
        board = Board(settings) if settings.dashboard_port is not None else None
        if board is not None:
            undo.callback(board.close)
        sock = listen(settings.host, settings.port)
        undo.callback(sock.close)
        service = Service(settings)
        undo.pop_all()
    return sock, board, service


def serve(settings: Settings, out: IO[str], prefix: str) -> int:
    """Run until interrupted (Ctrl-C or SIGTERM); returns the exit code."""
    configure_logging(sys.stderr, prefix)
    sock, board, service = _open(settings)
    port = sock.getsockname()[1]
    service.start()
    server = service.server()
    if board is not None:
        board.start()
    out.write(
        f"{prefix}: listening on port {port} ({where(settings.host)}); POST /v1/events "
        f"({settings.product.display_name}'s schema); database {settings.db}; Ctrl-C stops\n"
    )
    out.write(f"{prefix}: {service.limits()}\n")
    if board is not None:
        out.write(f"{prefix}: {board.line()}\n")
    if service.forwarder is not None:
        out.write(f"{prefix}: {forwarding(service.forwarder)}\n")
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
        if board is not None:
            board.close()
        for line in service.stop():
            out.write(f"{prefix}: {line}\n")
        out.flush()
    return 0


def forwarding(forwarder: Forwarder) -> str:
    """The start-up line about forwarding: the URL with any password hidden, and how often."""
    hourly = forwarder.interval >= 3600
    low, unit = (forwarder.interval / 3600, "h") if hourly else (forwarder.interval, "s")
    return (
        f"forwarding accepted events to PostHog at {forward.shown(forwarder.url)}, "
        f"in one batch every {low:g} to {low * 1.5:g} {unit} (at random)"
    )


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
    board: Optional[Board] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/events"

    @property
    def dashboard_url(self) -> str:
        assert self.board is not None, "started without a dashboard_port"
        return f"http://127.0.0.1:{self.board.port}/dashboard"

    def close(self, timeout: float = 10.0) -> list[str]:
        if self.board is not None:
            self.board.close(timeout)
        stop_thread(self._server, self._thread, timeout)
        self._sock.close()
        return self.service.stop()


def start(settings: Settings, timeout: float = 10.0) -> Running:
    """Serve ``settings`` in a daemon thread; returns once the server accepts connections."""
    sock, board, service = _open(settings)
    service.start()
    server = service.server()
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="collector-server", daemon=True
    )
    thread.start()
    if board is not None:
        board.start()
    running = Running(service, sock.getsockname()[1], server, thread, sock, board)
    deadline = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if (server.started and (board is None or board.started())) or not thread.is_alive():
            break
        deadline.wait(0.01)
    if not server.started or (board is not None and not board.started()):
        running.close()
        raise DoorstepError("the collector did not start")
    return running


def _why(exc: BaseException) -> str:
    return (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).strip()


__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "MAX_DB_MB",
    "Board",
    "Running",
    "Service",
    "Settings",
    "configure_logging",
    "forwarding",
    "listen",
    "open_files_limit",
    "serve",
    "start",
    "uvicorn_server",
    "where",
]
