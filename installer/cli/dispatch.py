"""The ``doorstep`` command line: parsing and dispatch; errors become exit codes in ``guarded``.

Exit codes: 0 success, 1 failure (one line on stderr), 2 usage error (one line and a
hint). Only the modules a command needs are imported, so ``telemetry status`` stays
free of the screen and the network.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Optional

from doorstep import _version
from doorstep.foundation import product as product_module
from doorstep.foundation.args import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, Parser, UsageError, guarded
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.product import Product

if TYPE_CHECKING:
    from doorstep.onboarding.wizard import Answer, Wizard


def _telemetry_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--telemetry",
        dest="flag",
        action="store_const",
        const=True,
        default=None,
        help="turn usage data on for this command",
    )
    group.add_argument(
        "--no-telemetry",
        dest="flag",
        action="store_const",
        const=False,
        help="turn usage data off for this command (nothing is asked, nothing is sent)",
    )


def build_parser(product: Product) -> argparse.ArgumentParser:
    name = product.name
    parser = Parser(
        prog=name,
        description=f"{product.display_name}: install, consent and anonymous usage data.",
    )
    parser.add_argument("--version", action="version", version=f"{name} {_version.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    telemetry = commands.add_parser("telemetry", help="see or change the usage data choice")
    actions = telemetry.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    status = actions.add_parser("status", help="what is decided, why, and where files live")
    status.add_argument("--json", action="store_true", help="print a stable JSON object")
    actions.add_parser("enable", help="share anonymous usage data (mints a new install id)")
    actions.add_parser("disable", help="stop sharing; deletes the install id and waiting events")
    preview = actions.add_parser("preview", help="print the exact body the next send would carry")
    preview.add_argument("--pretty", action="store_true", help="indent the JSON for reading")
    actions.add_parser("reset-id", help="replace the install id with a new random one")

    commands.add_parser("settings", help="full-screen settings (privacy, install id, preview)")

    setup = commands.add_parser("setup", help="the first-run wizard")
    _telemetry_flags(setup)
    setup.add_argument("-y", "--yes", action="store_true", help="ask nothing; flags decide")
    setup.add_argument("--inline", action="store_true", help="ask in the terminal, not full-screen")
    # install.sh hands its stage timings over in memory, through this argument.
    setup.add_argument("--install-trace", default=None, help=argparse.SUPPRESS)

    uninstall = commands.add_parser("uninstall", help=f"remove {name} and what it wrote")
    _telemetry_flags(uninstall)
    uninstall.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    uninstall.add_argument("--keep-config", action="store_true", help="keep the consent record")
    uninstall.add_argument("--dry-run", action="store_true", help="list what would be removed")
    uninstall.add_argument(
        "--method", choices=("script", "cli"), default="cli", help=argparse.SUPPRESS
    )

    collector = commands.add_parser(
        "collector", help="run the event collector (needs the collector extra)", add_help=False
    )
    collector.add_argument("rest", nargs=argparse.REMAINDER)
    # install.sh's Python stages (link, path, receipt); not for people.
    internal = commands.add_parser("_install", add_help=False)
    internal.add_argument("rest", nargs=argparse.REMAINDER)
    commands._choices_actions = [a for a in commands._choices_actions if a.dest != "_install"]
    return parser


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")


def _warn(product: Product, warnings: Sequence[str]) -> None:
    for warning in warnings:
        sys.stderr.write(f"{product.name}: warning: {warning}\n")


def _telemetry(args: argparse.Namespace, product: Product) -> int:
    from doorstep.delivery import status as status_module
    from doorstep.foundation import paths

    where = paths.for_product(product)
    action = args.action
    if action is None:
        raise UsageError("telemetry needs an action: status, enable, disable, preview, reset-id")
    if action == "status":
        report = status_module.gather(product, where, os.environ)
        _warn(product, report.decision.warnings)
        _print(status_module.render_json(report) if args.json else report.to_text())
        return EXIT_OK
    if action in ("enable", "disable"):
        from doorstep.consent import decision as consent
        from doorstep.consent import record as consent_record
        from doorstep.delivery import choice

        enabled = action == "enable"
        before = consent_record.read(where.record).record
        was_on = before is not None and before.enabled
        waiting = status_module.gather(product, where, os.environ).spool_events
        saved = choice.save(where, enabled, "cli")
        if enabled:
            verb = "is already on" if was_on else "is now on"
            _print(f"Telemetry {verb} (install id {saved.install_id}), saved in {where.record}.")
        else:
            dropped = (
                f"the install id and {waiting} waiting events were"
                if waiting
                else ("the install id was")
            )
            _print(f"Telemetry is now off; {dropped} deleted.")
        after = status_module.gather(product, where, os.environ)
        if enabled and after.decision.state != consent.ON:
            _print(f"Note: nothing is sent while {after.decision.detail}.")
        elif enabled and not after.decision.sends:
            _print("Note: no endpoint is configured, so nothing is sent.")
        return EXIT_OK
    if action == "reset-id":
        from doorstep.delivery import choice

        saved = choice.reset_id(where)
        if saved is None:
            _print("No install id to reset: telemetry is not on.")
        else:
            _print(f"New install id: {saved.install_id} (events queued under the old one deleted).")
        return EXIT_OK
    if action == "preview":
        from doorstep.delivery import preview

        return preview.run(args.pretty, product)
    raise UsageError(f"unknown telemetry action {action!r}")


def _show(wizard: Wizard, terminal: int) -> Answer:
    # Setup calls this only once it must ask: the screens load here, not before.
    from doorstep.tui import launch

    return launch.ask(wizard, terminal)


def _dispatch(args: argparse.Namespace, product: Product, parser: argparse.ArgumentParser) -> int:
    command = args.command
    if command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if command == "telemetry":
        return _telemetry(args, product)
    if command == "settings":
        from doorstep.tui import launch

        return launch.settings(product)
    if command == "setup":
        from doorstep.onboarding import setup

        return setup.run(args, product, show=_show)
    if command == "uninstall":
        from doorstep.install import uninstall

        return uninstall.run(args, product)
    if command == "collector":
        try:
            from doorstep.collector import cli as collector_cli
        except ImportError as exc:
            raise DoorstepError(
                f"the collector needs its extra ({exc.name} is missing): "
                f"pip install '{product.package}[collector]'"
            ) from None
        return collector_cli.main(list(args.rest), product)
    if command == "_install":
        from doorstep.install import steps as install_steps

        return install_steps.main(list(args.rest), product)
    raise UsageError(f"unknown command {command!r}")


def main(argv: Optional[Sequence[str]] = None, product: Optional[Product] = None) -> int:
    """Run the command line; returns the exit code (0, 1 or 2)."""
    try:
        product = product or product_module.current()
    except DoorstepError as exc:
        # The product file itself is broken, so its name is unknown: use the program's.
        sys.stderr.write(f"{os.path.basename(sys.argv[0]) or 'installer'}: {exc}\n")
        return EXIT_FAILURE
    parser = build_parser(product)
    arguments = sys.argv[1:] if argv is None else list(argv)

    def run() -> int:
        if arguments[:1] in (["collector"], ["_install"]):
            # These parse their own arguments (including --help), so pass them all on.
            args = argparse.Namespace(command=arguments[0], rest=arguments[1:])
        else:
            args = parser.parse_args(arguments)
        return _dispatch(args, product, parser)

    return guarded(product.name, run)


__all__ = ["build_parser", "main"]
