"""The commands every product gets: ``telemetry``, ``settings``, ``setup`` and ``uninstall``.

doorstep's own command line adds them with ``add_commands``; so does an adopting tool,
into its own argparse subparsers (``doorstep.click`` wraps the same for click):

    commands = parser.add_subparsers()
    doorstep.cli.add_commands(commands, product="acme")
    args = parser.parse_args()
    sys.exit(args.func(args))

Each added parser sets ``func``: it runs the command for the product and returns the
exit code (0, 1 with one line on stderr, 2 for a usage error). Only the modules a
command needs are imported when it runs, so ``telemetry status`` stays light.
"""

from __future__ import annotations

import os
import sys

from doorstep.foundation import product as product_module
from doorstep.foundation.args import EXIT_OK, UsageError, guarded
from doorstep.foundation.product import Product

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any, Union

    from doorstep.onboarding.wizard import Answer, Wizard

NAMES = ("telemetry", "settings", "setup", "uninstall")
TELEMETRY_ACTIONS = ("status", "enable", "disable", "preview", "reset-id", "log")


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


def add_commands(
    subparsers: Any, product: Union[str, Product, None] = None
) -> dict[str, argparse.ArgumentParser]:
    """Add ``telemetry``, ``settings``, ``setup`` and ``uninstall`` to ``subparsers``
    (what ``ArgumentParser.add_subparsers()`` returned) for ``product`` (a name, a
    Product, or None for the current one); the added parsers, by name.

    A product named here is looked up when a command runs, not now: a mistake in its
    product file is then one line and exit 1, not a traceback from the tool's ``main``.
    """
    if product is None:
        product = product_module.current()
    # The tool's own parser class prints two-line errors and accepts abbreviations
    # (`--keep` for `--keep-config`); the grafted commands parse as doorstep's own do.
    if not hasattr(subparsers, "_parser_class"):
        return _add(subparsers, product)
    from doorstep.foundation.args import Parser

    saved = subparsers._parser_class
    subparsers._parser_class = Parser
    try:
        return _add(subparsers, product)
    finally:
        subparsers._parser_class = saved


def _add(subparsers: Any, product: Union[str, Product]) -> dict[str, argparse.ArgumentParser]:
    import argparse
    import functools

    from doorstep.foundation.args import Parser

    name = product if isinstance(product, str) else product.name
    run = functools.partial(run_command, product=product)
    added: dict[str, argparse.ArgumentParser] = {}

    telemetry = subparsers.add_parser("telemetry", help="see or change the usage data choice")
    telemetry.set_defaults(func=run, product_command="telemetry", telemetry_action=None)
    actions = telemetry.add_subparsers(
        dest="telemetry_action", metavar="ACTION", parser_class=Parser
    )
    status = actions.add_parser("status", help="what is decided, why, and where files live")
    status.add_argument("--json", action="store_true", help="print a stable JSON object")
    actions.add_parser("enable", help="share anonymous usage data (mints a new install id)")
    disable = actions.add_parser(
        "disable", help="stop sharing; deletes the install id and waiting events"
    )
    disable.add_argument(
        "--forget",
        action="store_true",
        help="also ask the collector to delete this install's events (one request)",
    )
    preview = actions.add_parser("preview", help="print the exact body the next send would carry")
    preview.add_argument("--pretty", action="store_true", help="indent the JSON for reading")
    actions.add_parser("reset-id", help="replace the install id with a new random one")
    log = actions.add_parser("log", help="every batch sent from this machine, newest first")
    log.add_argument("--json", action="store_true", help="print a stable JSON object")
    added["telemetry"] = telemetry

    settings = subparsers.add_parser(
        "settings", help="full-screen settings (privacy, install id, preview)"
    )
    settings.set_defaults(func=run, product_command="settings")
    added["settings"] = settings

    setup = subparsers.add_parser("setup", help="the first-run wizard")
    setup.set_defaults(func=run, product_command="setup")
    _telemetry_flags(setup)
    setup.add_argument("-y", "--yes", action="store_true", help="ask nothing; flags decide")
    setup.add_argument("--inline", action="store_true", help="ask in the terminal, not full-screen")
    # install.sh hands its stage timings over in memory, through this argument.
    setup.add_argument("--install-trace", default=None, help=argparse.SUPPRESS)
    added["setup"] = setup

    uninstall = subparsers.add_parser("uninstall", help=f"remove {name} and what it wrote")
    uninstall.set_defaults(func=run, product_command="uninstall")
    _telemetry_flags(uninstall)
    uninstall.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    uninstall.add_argument("--keep-config", action="store_true", help="keep the consent record")
    uninstall.add_argument("--dry-run", action="store_true", help="list what would be removed")
    uninstall.add_argument(
        "--method", choices=("script", "cli"), default="cli", help=argparse.SUPPRESS
    )
    added["uninstall"] = uninstall
    return added


def run_command(args: argparse.Namespace, product: Union[str, Product]) -> int:
    """Run the parsed command for ``product`` (a Product or an installed product's name);
    the exit code, errors (a broken product file among them) as one line."""
    found: list[Product] = []

    def resolve() -> int:
        resolved = product_module.resolve(product)
        if resolved.events_json or resolved.usage:
            from doorstep.events import schema

            # A mistake in the tool's own events fails every command the same way.
            schema.for_product(resolved)
        found.append(resolved)
        return 0

    # Until the product is found, only its name is known; then its command speaks.
    code = guarded(product if isinstance(product, str) else product.command_name, resolve)
    if code != 0 or not found:
        return code
    resolved = found[0]
    product_module.activate(resolved)
    return guarded(resolved.command_name, lambda: _command(args, resolved))


def _command(args: argparse.Namespace, product: Product) -> int:
    command = getattr(args, "product_command", None)
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
    raise UsageError(f"unknown command {command!r}")


def _show(wizard: Wizard, terminal: int) -> Answer:
    # Setup calls this only once it must ask: the screens load here, not before.
    from doorstep.tui import launch

    return launch.ask(wizard, terminal)


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")


def _warn(product: Product, warnings: Sequence[str]) -> None:
    for warning in warnings:
        sys.stderr.write(f"{product.command_name}: warning: {warning}\n")


def _telemetry(args: argparse.Namespace, product: Product) -> int:
    from doorstep.delivery import status as status_module
    from doorstep.foundation import paths

    where = paths.for_product(product)
    action = args.telemetry_action
    if action is None:
        raise UsageError(f"telemetry needs an action: {', '.join(TELEMETRY_ACTIONS)}")
    if action == "status":
        report = status_module.gather(product, where, os.environ)
        _warn(product, report.decision.warnings)
        _print(status_module.render_json(report) if args.json else report.to_text())
        return EXIT_OK
    if action == "disable" and getattr(args, "forget", False):
        from doorstep.delivery import forget

        sentence, _ = forget.run(where, product, os.environ)
        deleted = "the install id, waiting events and the log of what was sent were deleted"
        _print(f"Telemetry is now off; {deleted}; {sentence}.")
        return EXIT_OK
    if action == "log":
        import json

        from doorstep.delivery import sent_log

        if args.json:
            _print(json.dumps(sent_log.as_json(where.state_dir), indent=2, sort_keys=True))
        else:
            _print(sent_log.as_text(where.state_dir, product.command_name))
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
        elif was_on or waiting:
            dropped = (
                f"the install id and {waiting} waiting events were"
                if waiting
                else "the install id was"
            )
            _print(f"Telemetry is now off; {dropped} deleted.")
        else:
            # Nothing to delete: off already, or undecided until now (there was no id).
            verb = "is already off" if before is not None else "is now off"
            _print(f"Telemetry {verb}, saved in {where.record}.")
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


__all__ = ["NAMES", "TELEMETRY_ACTIONS", "add_commands", "run_command"]
