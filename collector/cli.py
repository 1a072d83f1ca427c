"""``doorstep collector serve|report|prune``: the collector's command line.

Exit codes as everywhere: 0 success, 1 failure (one line on stderr), 2 usage error.
``report`` and ``prune`` need only the standard library; ``serve`` imports uvicorn.
``--product NAME`` makes each command work for an installed product: its schema, its
own events and usage commands, its database (in its own data folder).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Optional

from doorstep.collector import days
from doorstep.events import schema
from doorstep.foundation import product as product_module
from doorstep.foundation.args import EXIT_OK, EXIT_USAGE, Parser, UsageError, guarded
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.paths import for_product
from doorstep.foundation.product import Product

DB_NAME = "collector.sqlite3"


def default_db(product: Product) -> Path:
    """Where the database lives unless --db says otherwise."""
    return for_product(product).data_dir / DB_NAME


def _parser(product: Product) -> argparse.ArgumentParser:
    from doorstep.collector import budget, server  # the defaults (neither imports uvicorn)

    name = f"{product.name} collector"
    parser = Parser(
        prog=name,
        description="Receive, store and report anonymous install telemetry.",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="{serve,report,prune}", parser_class=Parser
    )
    db_help = (
        f"the SQLite database (default: {DB_NAME} in the product's data folder; "
        f"{default_db(product)} for {product.name})"
    )
    product_help = f"an installed product whose schema and events to use (default: {product.name})"

    serve = commands.add_parser(
        "serve",
        help="accept events at POST /v1/events",
        description=(
            "Accept events at POST /v1/events and store them in SQLite. Limits that keep "
            "it serving on the internet: a request must arrive whole within "
            f"{server.REQUEST_TIMEOUT:g} s of connecting (or of the previous answer); a "
            f"connection idle after an answer is closed after {server.KEEP_ALIVE:g} s; past "
            "--max-connections the connection that has waited longest for a request is "
            "closed to make room; past --max-events-per-second requests are answered 429, "
            "and 503 once the database reaches --max-db-mb. The database is made, or "
            "tightened, to mode 0600; a symbolic link is refused."
        ),
    )
    serve.add_argument("--product", metavar="NAME", help=product_help)
    serve.add_argument("--db", type=Path, help=db_help)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8787, help="port to listen on; 0 picks one")
    serve.add_argument(
        "--forward-posthog",
        metavar="URL",
        help=(
            "also send accepted events to PostHog's batch API, in batches every hour or so "
            "(at random, so PostHog does not learn when events arrive)"
        ),
    )
    serve.add_argument(
        "--posthog-key",
        metavar="KEY",
        help=(
            "the PostHog project key (or set the product's <PREFIX>_POSTHOG_KEY; "
            f"{product.env('POSTHOG_KEY')} for {product.name})"
        ),
    )
    serve.add_argument(
        "--max-events-per-second",
        metavar="N",
        type=float,
        default=budget.EVENTS_PER_SECOND,
        help=(
            "the global ingest budget over all install ids; installs already heard from "
            f"come first, new ones get the rest; 0 for none "
            f"(default: {budget.EVENTS_PER_SECOND:g})"
        ),
    )
    serve.add_argument(
        "--max-db-mb",
        metavar="MB",
        type=float,
        default=server.MAX_DB_MB,
        help=(
            "the database's size cap: past 90%% of it only installs already heard from "
            "are stored, past it none, until pruning makes room; "
            f"0 for none (default: {server.MAX_DB_MB:g})"
        ),
    )
    serve.add_argument(
        "--max-connections",
        metavar="N",
        type=int,
        default=server.MAX_CONNECTIONS,
        help=(
            "connections open at once; past it the longest-idle one is closed "
            f"(default: {server.MAX_CONNECTIONS}, lowered to fit the open-files limit)"
        ),
    )

    serve.add_argument(
        "--dashboard-port",
        metavar="N",
        type=int,
        help=(
            "also serve the report as a web page at GET /dashboard on this port (its own "
            "listener: the ingest port never serves it); 0 picks one"
        ),
    )
    serve.add_argument(
        "--dashboard-host",
        metavar="HOST",
        default="127.0.0.1",
        help=(
            "address the dashboard listens on (127.0.0.1); any other needs a token in "
            f"{product.env('COLLECTOR_TOKEN')}, which every request must then carry "
            "(Authorization: Bearer, or HTTP Basic with the token as password)"
        ),
    )

    report = commands.add_parser(
        "report", help="print the funnel, usage by command, the product's events and the mix"
    )
    report.add_argument("--product", metavar="NAME", help=product_help)
    report.add_argument("--db", type=Path, help=db_help)
    report.add_argument("--days", type=int, default=30, help="how many days back (30)")
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.add_argument("--include-ci", action="store_true", help="count runs on CI machines too")
    report.add_argument(
        "--html",
        metavar="FILE",
        type=Path,
        help="write the dashboard's page to FILE, self-contained (- for standard output)",
    )
    report.add_argument(
        "--public",
        action="store_true",
        help=(
            "for publishing (with --html or --json): every count behind which fewer than "
            "5 installs stand is shown as <5, and the database's path is left out"
        ),
    )

    retention = schema.for_product(product).retention_days
    prune = commands.add_parser("prune", help="delete events past the retention window")
    prune.add_argument("--product", metavar="NAME", help=product_help)
    prune.add_argument("--db", type=Path, help=db_help)
    prune.add_argument(
        "--older-than",
        metavar="AGE",
        help=f"delete events older than AGE, as 90d or 13w (default: {retention}d, the retention)",
    )
    return parser


def main(rest: list[str], product: Product) -> int:
    """Run ``<product> collector REST``; returns the exit code."""
    prefix = f"{product.name} collector"

    def run() -> int:
        parser = _parser(product)  # in here: a broken product file is one line too
        args = parser.parse_args(rest)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        chosen = _product(args, product)
        if args.command == "serve":
            return _serve(args, chosen, prefix)
        if args.command == "report":
            return _report(args, chosen, prefix)
        return _prune(args, chosen)

    return guarded(prefix, run)


def _product(args: argparse.Namespace, product: Product) -> Product:
    """The product named by --product (else ``product``), its schema checked once here.

    An unknown name or a mistake in its product file is one ProductError line (exit 1).
    """
    chosen = product if args.product is None else product_module.load(args.product)
    schema.for_product(chosen)
    return chosen


def _db(args: argparse.Namespace, product: Product) -> Path:
    return (args.db or default_db(product)).expanduser()


def _serve(args: argparse.Namespace, product: Product, prefix: str) -> int:
    from doorstep.collector import forward

    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    for flag, value in (
        ("--max-events-per-second", args.max_events_per_second),
        ("--max-db-mb", args.max_db_mb),
    ):
        if not 0 <= value < float("inf"):
            raise UsageError(f"{flag} must be a number, at least 0 (0 for no limit)")
    if not 1 <= args.max_connections <= 1_000_000:
        raise UsageError("--max-connections must be between 1 and 1000000")
    if args.dashboard_port is not None:
        if not 0 <= args.dashboard_port <= 65535:
            raise UsageError("--dashboard-port must be between 0 and 65535")
        if args.dashboard_port == args.port != 0:
            raise UsageError("--dashboard-port must differ from --port (the dashboard has its own)")
    elif args.dashboard_host != "127.0.0.1":
        raise UsageError("--dashboard-host is only used with --dashboard-port")
    key = args.posthog_key or os.environ.get(product.env("POSTHOG_KEY"), "")
    url: Optional[str] = None
    if args.forward_posthog is not None:
        url = forward.batch_url(args.forward_posthog)
        if url is None:
            raise UsageError(
                "--forward-posthog needs an http(s) URL, like https://us.i.posthog.com"
            )
        if not key:
            variable = product.env("POSTHOG_KEY")
            raise UsageError(f"--forward-posthog needs --posthog-key or {variable}")
    elif args.posthog_key:
        raise UsageError("--posthog-key is only used with --forward-posthog")
    try:
        import uvicorn  # noqa: F401  (checked here so the error is one line)
    except ImportError:
        raise DoorstepError(
            # The extra is doorstep's own, whichever product's events are served.
            f"serving needs uvicorn: pip install '{product_module.own().package}[collector]'"
        ) from None
    from doorstep.collector import server
    from doorstep.collector.dashboard import app as dashboard

    settings = server.Settings(
        db=_db(args, product),
        host=args.host,
        port=args.port,
        forward_url=url,
        posthog_key=key or None,
        product=product,
        max_events_per_second=args.max_events_per_second,
        max_db_mb=args.max_db_mb,
        max_connections=args.max_connections,
        dashboard_port=args.dashboard_port,
        dashboard_host=args.dashboard_host,
        dashboard_token=dashboard.token(product),
        report_command=_report_command(args, prefix),
    )
    return server.serve(settings, sys.stdout, prefix)


def _report_command(args: argparse.Namespace, prefix: str) -> str:
    """The command that prints a page's numbers, for its footer: this very program's."""
    chosen = f" --product {args.product}" if args.product is not None else ""
    return f"{prefix} report{chosen}"


def _report(args: argparse.Namespace, product: Product, prefix: str) -> int:
    from doorstep.collector import report
    from doorstep.collector.store import Store

    if not 1 <= args.days <= 3660:
        raise UsageError("--days must be between 1 and 3660")
    if args.html is not None and args.json:
        raise UsageError("--html and --json: choose one")
    if args.public and args.html is None and not args.json:
        raise UsageError("--public is only used with --html or --json")
    store = Store.open_existing(_db(args, product))
    try:
        data = report.gather(store, args.days, args.include_ci, product=product)
    finally:
        store.close()
    if args.public:
        from doorstep.collector.dashboard.public import public

        data = public(data)
    if args.json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    if args.html is not None:
        return _write_html(args.html, data, product, _report_command(args, prefix))
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    title = f"{product.display_name} collector report"
    sys.stdout.write(report.render(data, title, unicode=encoding == "utf8"))
    return EXIT_OK


def _write_html(path: Path, data: dict, product: Product, command: str) -> int:
    from doorstep.collector.dashboard import page
    from doorstep.foundation import atomic

    title = f"{product.display_name} collector report"
    text = page.render(data, title, command, path=None)
    if str(path) == "-":
        sys.stdout.write(text)
        return EXIT_OK
    # A published page is for everyone; the operator's own one names the database.
    mode = 0o644 if data.get("public") else 0o600
    try:
        atomic.write_atomic(path.expanduser(), text.encode("utf-8"), mode=mode)
    except OSError as exc:
        raise DoorstepError(f"cannot write {path}: {exc.strerror or exc}") from None
    sys.stderr.write(f"wrote {path}\n")
    return EXIT_OK


def _prune(args: argparse.Namespace, product: Product) -> int:
    from doorstep.collector.store import Store

    older_than = args.older_than
    if older_than is None:
        older_than = f"{schema.for_product(product).retention_days}d"
    age = days.parse_age(older_than)
    if age is None:
        raise UsageError(f"--older-than takes a number of days, like 90d (got {older_than!r})")
    path = _db(args, product)
    if not path.is_file():
        raise DoorstepError(f"no database at {path} (pass --db)")
    before = days.shift(days.today(), -age)
    store = Store.open(path)
    try:
        pruned = store.prune(before)
        oldest = store.oldest_day()
    finally:
        store.close()
    sys.stdout.write(
        f"deleted {pruned.events} events dated before {before} "
        f"({pruned.sessions} runs left with none); oldest day held: {oldest or 'none'}\n"
    )
    return EXIT_OK


__all__ = ["DB_NAME", "default_db", "main"]
