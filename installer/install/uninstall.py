"""``<name> uninstall``: say goodbye if consent is on, then remove everything the install made.

Order matters. ``uninstall_started`` goes first, and only when consent is on, sent in
the foreground for at most ``FAREWELL_SECONDS`` (the spool and the environment are
about to disappear, so a detached sender could not finish). Then, guided by the
receipt (or the default locations when there is none): the command link, but only if
it points into our environment; the marked PATH blocks, byte for byte; the environment;
doorstep's own pip/uv cache; the spool; the receipt; the consent record unless
``--keep-config``; and last every folder the install created, if it is empty. Folders
that hold something else are kept and named, so another tool's files are never lost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from doorstep.delivery.spool import SENT_LOG, USAGE_FILE, Spool
from doorstep.foundation import flags, paths
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.product import Product
from doorstep.install import command_link, own_folders, receipt, shell_path
from doorstep.install.receipt import PathBlock, Receipt

FAREWELL_SECONDS = 2.0


@dataclass(frozen=True)
class Plan:
    """What an uninstall removes; only things that exist are listed."""

    name: str  # the product's name, which the PATH block markers carry
    venv: Path
    link: Optional[Path]
    blocks: tuple[PathBlock, ...]
    trees: tuple[tuple[str, Path], ...]  # removed whole: the environment, the cache
    state_dir: Path  # its spool files go, including any the goodbye itself left
    spool: Optional[Path]  # the spool, when events are waiting in it
    files: tuple[tuple[str, Path], ...]  # the receipt, the consent record
    folders: tuple[Path, ...]  # removed if empty, in this order
    kept: tuple[tuple[str, Path], ...]
    refused: tuple[str, ...] = ()  # what the receipt named that is not ours: one line each

    @property
    def empty(self) -> bool:
        return not (self.link or self.blocks or self.trees or self.spool or self.files)


def _spool_files(state_dir: Path) -> bool:
    if not state_dir.is_dir():
        return False
    waiting = (USAGE_FILE, SENT_LOG)  # the day's counts and the copy of what was sent
    return any(p.name.startswith("spool.") or p.name in waiting for p in state_dir.iterdir())


class _Checked:
    """The receipt's paths, each kept only if it is the product's own (see own_folders)."""

    def __init__(self, product: Product, where: paths.Paths) -> None:
        self.product, self.where = product, where
        self.refused: list[str] = []

    def refuse(self, what: str, path: object, why: str) -> None:
        self.refused.append(f"ignored {what} {own_folders.printable(path)} from the receipt: {why}")

    def folder(self, what: str, found: Path, own: Path) -> Path:
        if not own_folders.same(found, own):
            self.refuse(what, found, f"it is not {self.product.display_name}'s own folder")
        return own

    def venv(self, found: Path) -> Path:
        # install.sh always makes it here; a receipt naming another folder is not believed.
        if not own_folders.same(found, self.where.venv):
            self.refuse("venv", found, f"it is not {_show(self.where.venv)}")
        return self.where.venv

    def cache(self, found: Optional[Path]) -> Optional[Path]:
        if found is None:
            return None  # the person's own pip or uv cache was used: not ours
        if own_folders.within(found, self.where.cache_dir, or_same=True):
            return own_folders.normal(found)
        self.refuse("cache_dir", found, f"it is not inside {_show(self.where.cache_dir)}")
        return None

    def link(self, found: Path) -> Path:
        checked = own_folders.normal(found)
        if checked is not None and checked.name == self.product.command_name:
            return checked
        self.refuse("link", found, f"it is not a '{self.product.command_name}' command link")
        return self.where.link

    def block(self, block: PathBlock) -> Optional[PathBlock]:
        name = self.product.name
        file = own_folders.normal(block.file)
        if file is None or file.name not in shell_path.file_names(name):
            self.refuse("PATH block in", block.file, "it is not a start-up file this uses")
            return None
        if block.lines and not shell_path.well_formed(block.lines, name):
            self.refuse("PATH block", block.file, "its lines are not a block this installer writes")
            return None
        checked = PathBlock(file, block.created, block.newlines, block.lines)
        if shell_path.contains(checked, name):
            return checked
        if shell_path.present(file, name):
            self.refused.append(
                f"left the PATH block in {_show(file)} alone: it is not "
                "the one the install wrote; remove it yourself"
            )
        return None


def make_plan(
    product: Product,
    where: paths.Paths,
    found: Optional[Receipt],
    keep_config: bool,
    env: Mapping[str, str],
) -> Plan:
    """The removal plan from the receipt, or from the default locations without one.

    Whatever the receipt says, only the product's own folders are emptied: a path from it
    that is not theirs is ignored with one line in ``refused``.
    """
    name = product.name
    checked = _Checked(product, where)
    data_dir, config_dir, state_dir = where.data_dir, where.config_dir, where.state_dir
    venv, link, cache_dir = where.venv, where.link, where.cache_dir
    recorded: list[PathBlock] = []
    created: tuple[Path, ...] = ()
    if found is not None:
        checked.folder("data_dir", found.data_dir, data_dir)
        checked.folder("config_dir", found.config_dir, config_dir)
        checked.folder("state_dir", found.state_dir, state_dir)
        venv = checked.venv(found.venv)
        cache_dir = checked.cache(found.cache_dir)
        link = checked.link(found.link)
        recorded = [b for b in map(checked.block, found.path_blocks) if b is not None]
        created = found.created_dirs
    # Blocks the receipt does not know (it is gone, or an older one): the usual files.
    known = {b.file for b in recorded}
    home = Path.home()
    usual = shell_path.targets(name, home, env, which=lambda _: "assumed")
    for target in usual:
        if target.file in known:
            continue
        lines = shell_path.located(target.file, name)
        if lines is not None:
            # Unrecorded: the install's usual blank line goes with it, and a file that
            # held nothing but the block goes too.
            recorded.append(PathBlock(target.file, True, 1, lines))
        elif shell_path.present(target.file, name):
            checked.refused.append(
                f"left the PATH block in {_show(target.file)} alone: it "
                "is not one this installer writes; remove it yourself"
            )
    trees = []
    for label, folder in (
        ("environment", venv),
        ("environment", venv.with_name(venv.name + ".previous")),
        ("cache", cache_dir),
    ):
        if folder is None or not os.path.lexists(folder):
            continue
        if label == "environment" and not (
            os.path.islink(folder) or own_folders.is_environment(folder)
        ):
            checked.refused.append(
                f"left {_show(folder)} alone: it is not a Python environment (no pyvenv.cfg)"
            )
            continue
        trees.append((label, folder))
    files = [("receipt", config_dir / "receipt.toml")]
    record = config_dir / "telemetry.toml"
    kept = []
    if keep_config:
        if os.path.lexists(record):
            kept.append(("consent record", record))
    else:
        files.append(("consent record", record))
    ours = command_link.points_into(link, venv)
    folders = [data_dir, state_dir, config_dir]
    if cache_dir is not None:
        folders.append(cache_dir)
    anchors = [data_dir, config_dir, state_dir, where.cache_dir, where.bin_dir]
    anchors += [link.parent] if ours else []
    anchors += [target.file.parent for target in usual] + [b.file.parent for b in recorded]
    for folder in created:
        if not own_folders.removable_folder(folder, home, anchors):
            checked.refuse("created folder", folder, "the install cannot have made it")
            continue
        tidy = own_folders.normal(folder)
        if tidy is not None and tidy not in folders:
            folders.append(tidy)
    return Plan(
        name=name,
        venv=venv,
        link=link if ours else None,
        blocks=tuple(recorded),
        trees=tuple(trees),
        state_dir=state_dir,
        spool=state_dir / "spool.jsonl" if _spool_files(state_dir) else None,
        files=tuple((label, path) for label, path in files if os.path.lexists(path)),
        folders=tuple(folders),
        kept=tuple(kept),
        refused=tuple(checked.refused),
    )


def _show(path: Path) -> str:
    home = Path.home()
    try:
        shown = "~/" + str(path.relative_to(home))
    except ValueError:
        shown = str(path)
    return own_folders.printable(shown)


def describe(plan: Plan) -> list[str]:
    """One line per thing the plan removes."""
    lines = [f"  {label:<15} {_show(folder)}" for label, folder in plan.trees]
    if plan.link is not None:
        lines.append(f"  {'command':<15} {_show(plan.link)}")
    lines += [f"  {'PATH block in':<15} {_show(block.file)}" for block in plan.blocks]
    if plan.spool is not None:
        lines.append(f"  {'spool':<15} {_show(plan.spool)}")
    lines += [f"  {label:<15} {_show(path)}" for label, path in plan.files]
    return lines


def _ask(question: str) -> Optional[bool]:
    """The answer typed at the terminal; None when there is no terminal to ask on."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    # Unbuffered bytes: a terminal cannot seek, so a text stream opened "r+" on it fails.
    with open(fd, "r+b", buffering=0) as tty:
        try:
            tty.write(question.encode())
            answer = tty.readline(256)
        except OSError:
            return None
    return answer.decode(errors="replace").strip().lower() in ("y", "yes")


def _without_asking(args: argparse.Namespace, env: Mapping[str, str]) -> bool:
    return bool(args.yes) or flags.is_set(env, "CI") or flags.is_set(env, "NONINTERACTIVE")


def _confirmed(product: Product) -> bool:
    answer = _ask(f"Remove {product.display_name} and everything listed above? [y/N] ")
    if answer is None:
        raise DoorstepError(
            "nothing was removed: there is no terminal to confirm on; run again with --yes"
        )
    return answer


def farewell(product: Product, flag: Optional[bool], method: str, keep_config: bool) -> bool:
    """Send uninstall_started when consent is on, waiting at most FAREWELL_SECONDS."""
    from doorstep.delivery.telemetry import Recorder

    recorder = Recorder(product)
    recorder.flag = flag
    decision = recorder.decide()
    # Off, undecided, or a notice never shown: a departing user is not announced.
    if not decision.sends or decision.notice_due:
        return False
    recorder.record("uninstall_started", method=method, keep_config=keep_config)
    return recorder.flush(wait=FAREWELL_SECONDS) == "sent"


def execute(plan: Plan) -> list[str]:
    """Remove what ``plan`` lists; returns one line per thing that could not be removed."""
    problems: list[str] = []

    def attempt(what: Path, action: Callable[[], object]) -> None:
        try:
            action()
        except FileNotFoundError:
            pass
        except OSError as exc:
            problems.append(f"{_show(what)}: {exc.strerror or exc}")

    if plan.link is not None:
        attempt(plan.link, plan.link.unlink)
    for block in plan.blocks:
        attempt(block.file, lambda block=block: shell_path.remove(block, plan.name))
    for label, folder in plan.trees:
        attempt(folder, lambda label=label, folder=folder: _remove_tree(label, folder))
    attempt(plan.state_dir, Spool(plan.state_dir).discard)
    for _, path in plan.files:
        attempt(path, path.unlink)
    for folder in plan.folders:
        try:
            folder.rmdir()
        except OSError:
            pass  # not empty (someone else's files) or already gone: kept
    return problems


class _NotAnEnvironment(OSError):
    pass


def _remove_tree(label: str, folder: Path) -> None:
    if folder.is_symlink() or not folder.is_dir():
        folder.unlink()  # a link goes as a link: what it points to is not touched
    elif label == "environment" and not own_folders.is_environment(folder):
        # Checked again at the last moment: only an environment is removed whole.
        raise _NotAnEnvironment("it is not a Python environment (no pyvenv.cfg); left it alone")
    else:
        shutil.rmtree(folder)


def run(args: argparse.Namespace, product: Product) -> int:
    """``<name> uninstall [--yes] [--keep-config] [--dry-run] [--telemetry|--no-telemetry]``."""
    env = os.environ
    where = paths.for_product(product)
    found = receipt.read(where.receipt)
    if found.problem:
        sys.stderr.write(f"{product.name}: warning: {found.problem}; using the usual places\n")
    plan = make_plan(product, where, found.receipt, args.keep_config, env)
    for line in plan.refused:
        sys.stderr.write(f"{product.name}: {line}\n")
    version = found.receipt.version if found.receipt is not None else ""
    title = product.display_name + (f" {own_folders.printable(version)}" if version else "")
    if plan.empty:
        print(f"Nothing to remove: {product.display_name} is not installed here.")
        _note_other_install(product, plan)
        return 0
    if args.dry_run:
        print(f"Would remove {title}:")
        print("\n".join(describe(plan)))
        for label, path in plan.kept:
            print(f"Would keep your {label} {_show(path)} (--keep-config).")
        print("Nothing was removed (--dry-run).")
        return 0
    # "Removing" only when nothing will be asked: a question (or no terminal) may stop it.
    asks = not _without_asking(args, env)
    print(f"Uninstalling {title} removes:" if asks else f"Removing {title}:")
    print("\n".join(describe(plan)))
    sys.stdout.flush()
    if asks and not _confirmed(product):
        raise DoorstepError("uninstall cancelled: nothing was removed")
    farewell(product, args.flag, args.method, args.keep_config)
    problems = execute(plan)
    for label, path in plan.kept:
        print(f"Kept your {label} {_show(path)} (--keep-config).")
    if problems:
        for problem in problems:
            sys.stderr.write(f"{product.name}: could not remove {problem}\n")
        raise DoorstepError(
            "some files could not be removed (listed above); fix their permissions and run "
            f"'{product.command_name} uninstall' or uninstall.sh again"
        )
    print(f"{product.display_name} is uninstalled.")
    _note_other_install(product, plan)
    return 0


def _note_other_install(product: Product, plan: Plan) -> None:
    """This very command came from somewhere else (pipx, uv tool): say how to remove it."""
    running = Path(sys.prefix)
    if running != plan.venv and os.path.lexists(running / "bin" / product.command_name):
        print(
            f"This {product.command_name} command runs from {_show(running)}, which another tool "
            "installed (pipx, uv tool, pip): remove it with that tool."
        )


__all__ = ["FAREWELL_SECONDS", "Plan", "describe", "execute", "farewell", "make_plan", "run"]
