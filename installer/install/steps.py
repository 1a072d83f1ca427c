"""install.sh's stages that run in Python once the package is in, and its failure report.

    <name> _install finish --venv DIR --tool uv|pip --python EXE --source SPEC
                           --bin-dir DIR [--cache-dir DIR] [--created "DIR\\nDIR..."]
                           [--no-modify-path] [--quiet]
    <name> _install failed --stage STAGE --error CLASS [--wait] [--no-telemetry]

``finish`` runs the link and path stages and writes the receipt. On stdout, for
install.sh: ``link=0.01,path=0.03`` (seconds) and ``path_state=on_path|new_shells|absent``
(whether new shells find the command), or, after undoing everything it changed,
``failed=<stage>:<error class>``. Messages for people go to stderr.

install.sh runs ``finish`` and then ``setup`` in one process, through
``finish_then_setup``, with ``finish``'s lines on descriptor 3.

``failed`` records install_failed and sends it, but only when a consent record already
says "on" (a flag or the environment alone never suffices), and DO_NOT_TRACK or
``--no-telemetry`` still win. With ``--wait`` it sends in the foreground for at most
``FAILED_WAIT_SECONDS``, because the environment it runs from is about to be removed.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import os
import signal
import sys
import time
from pathlib import Path

from doorstep.consent import record as consent_record
from doorstep.foundation import paths
from doorstep.foundation import product as product_module
from doorstep.foundation.args import Parser, UsageError
from doorstep.foundation.atomic import write_atomic
from doorstep.foundation.product import Product
from doorstep.install import command_link, own_folders, receipt, shell_path
from doorstep.install.receipt import PathBlock, Receipt

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Optional

FAILED_WAIT_SECONDS = 2.0
_UNDONE_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
_DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


def error_class(exc: BaseException, default: str) -> str:
    """The schema's failure class for ``exc`` (never its message)."""
    if isinstance(exc, OSError):
        if exc.errno in _DISK_FULL:
            return "disk_full"
        if exc.errno in _DENIED:
            return "permission_denied"
    return default


def _home_relative(path: Path) -> str:
    home = Path.home()
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def missing_folders(folder: Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet, deepest first."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists() or candidate == candidate.parent:
            break
        missing.append(candidate)
    return missing


def _deepest_first(folders: Sequence[Path]) -> tuple[Path, ...]:
    unique = list(dict.fromkeys(folders))
    return tuple(sorted(unique, key=lambda p: (-len(p.parts), str(p))))


class _Journal:
    """Undo steps for what ``finish`` changed, run in reverse on failure."""

    def __init__(self) -> None:
        self.steps: list[Callable[[], None]] = []

    def undo(self) -> None:
        for step in reversed(self.steps):
            try:
                step()
            except OSError:
                pass  # best effort: the shell reports the failure either way


def _remove_empty(folders: Sequence[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            pass


def _finish_parser(name: str) -> argparse.ArgumentParser:
    parser = Parser(prog=f"{name} _install finish")
    parser.add_argument("--venv", required=True, type=Path)
    parser.add_argument("--tool", required=True, choices=("uv", "pip"))
    parser.add_argument("--python", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--bin-dir", required=True, type=Path)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--created", default="")
    parser.add_argument("--no-modify-path", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    return parser


def _failed_parser(name: str) -> argparse.ArgumentParser:
    parser = Parser(prog=f"{name} _install failed")
    parser.add_argument("--stage", required=True)
    parser.add_argument("--error", required=True)
    parser.add_argument("--wait", action="store_true")
    parser.add_argument("--no-telemetry", action="store_true")
    return parser


class _Stage(Exception):
    def __init__(self, stage: str, error: str, message: str) -> None:
        super().__init__(message)
        self.stage, self.error = stage, error


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def unsafe_paths(bin_dir: Path, home: Path, env: Mapping[str, str]) -> list[str]:
    """What would put a control character into a start-up file (or its name), if anything.

    A newline in a folder's name would end the PATH block's line and turn the rest of
    the name into shell code, so such folders are refused before anything is written.
    """
    named = [("--bin-dir", str(bin_dir)), ("HOME", str(home))]
    named += [(key, env[key]) for key in ("XDG_CONFIG_HOME", "ZDOTDIR") if env.get(key)]
    return [what for what, value in named if shell_path.has_control(value)]


def finish(argv: Sequence[str], product: Product) -> int:
    opts = _finish_parser(product.name).parse_args(list(argv))
    unsafe = unsafe_paths(opts.bin_dir, Path.home(), os.environ)
    if unsafe:
        raise UsageError(
            f"{' and '.join(unsafe)} holds a control character (a newline, a tab, ...), which "
            "cannot go into a shell start-up file; choose a folder without one"
        )
    # A hang-up or kill during these stages is undone like Ctrl-C (and only during them).
    handlers = {signum: signal.signal(signum, _interrupt) for signum in _UNDONE_SIGNALS}
    try:
        return _finish(opts, product)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def _finish(opts: argparse.Namespace, product: Product) -> int:
    where = paths.for_product(product)
    say = (lambda text: None) if opts.quiet else _say(product)
    journal = _Journal()
    previous = receipt.read(where.receipt).receipt
    bin_dir = opts.bin_dir.expanduser()
    link = bin_dir / product.command_name
    created = [Path(p) for p in opts.created.splitlines() if p.strip()]
    timings: dict[str, float] = {}
    stage = "link"
    try:
        started = time.monotonic()
        _link(product, opts.venv, link, previous, created, journal, say)
        timings["link"] = time.monotonic() - started
        stage, started = "path", time.monotonic()
        blocks = _path(product, bin_dir, opts.no_modify_path, created, previous, journal, say)
        _write_receipt(product, where, opts, link, created, previous, blocks, journal)
        timings["path"] = time.monotonic() - started
    except _Stage as failure:
        journal.undo()
        sys.stderr.write(f"{product.name}: {failure}\n")
        print(f"failed={failure.stage}:{failure.error}")
        return 1
    except KeyboardInterrupt:
        journal.undo()
        print(f"failed={stage}:interrupted")
        return 130
    _forget_old_link(previous, link, opts.venv)
    print(",".join(f"{name}={seconds:.2f}" for name, seconds in timings.items()))
    if shell_path.on_path(bin_dir, os.environ):
        print("path_state=on_path")
    else:
        print(f"path_state={'new_shells' if blocks else 'absent'}")
    return 0


def _say(product: Product) -> Callable[[str], None]:
    def say(text: str) -> None:
        sys.stderr.write(f"{product.name}: {text}\n")

    return say


def _link(
    product: Product,
    venv: Path,
    link: Path,
    previous: Optional[Receipt],
    created: list[Path],
    journal: _Journal,
    say: Callable[[str], None],
) -> None:
    target = venv / "bin" / product.command_name
    ours = [venv, venv.parent]
    if previous is not None and own_folders.within(previous.venv, venv.parent, or_same=True):
        ours.append(previous.venv)  # the receipt is only believed about our own folder
    try:
        missing = missing_folders(link.parent)
        link.parent.mkdir(parents=True, exist_ok=True)
        created += missing
        journal.steps.append(lambda: _remove_empty(missing))
        before = command_link.create(link, target, tuple(ours))
        journal.steps.append(lambda: command_link.restore(before))
    except command_link.LinkConflict as exc:
        raise _Stage("link", "link_failed", str(exc)) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        # What to fix: a file where the folder should be, or a folder it may not write.
        blocked = next((p for p in (link.parent, *link.parent.parents) if p.is_file()), None)
        fix = (
            f"{blocked} is a file, not a folder: move it away"
            if blocked is not None
            else f"make {link.parent} writable"
        )
        raise _Stage(
            "link",
            error_class(exc, "link_failed"),
            f"cannot create the command link {link} ({reason}); {fix} "
            "or choose another folder with --bin-dir",
        ) from None
    say(f"linked {_home_relative(link)}")


def _path(
    product: Product,
    bin_dir: Path,
    no_modify_path: bool,
    created: list[Path],
    previous: Optional[Receipt],
    journal: _Journal,
    say: Callable[[str], None],
) -> list[PathBlock]:
    """Add the PATH blocks; returns every block the receipt must list (old ones kept)."""
    kept = [
        block
        for block in (previous.path_blocks if previous else ())
        if shell_path.contains(block, product.name)
    ]
    if no_modify_path:
        say("left your shell start-up files alone (--no-modify-path)")
        return kept
    if shell_path.on_path(bin_dir, os.environ):
        say(f"{_home_relative(bin_dir)} is already on PATH; no start-up file changed")
        return kept
    home = Path.home()
    known = {block.file: block for block in kept}
    written: list[Path] = []
    for target in shell_path.targets(product.name, home, os.environ):
        lines = shell_path.block_lines(product, bin_dir, home, target.syntax)
        recorded = known[target.file].lines if target.file in known else ()
        try:
            missing = missing_folders(target.file.parent)
            change = shell_path.add(target, lines, product.name, recorded)
        except shell_path.NotOurBlock as exc:
            raise _Stage(
                "path",
                "path_failed",
                f"{exc}; take those lines out, or install with --no-modify-path",
            ) from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            # A file that is not there yet cannot be fixed: the folder it would go in can.
            found = next((p for p in target.file.parents if p.exists()), None)
            fix = "that file" if target.file.exists() or found is None else f"the folder {found}"
            raise _Stage(
                "path",
                error_class(exc, "path_failed"),
                f"cannot add {_home_relative(bin_dir)} to PATH in {target.file} ({reason}); "
                f"fix {fix}, or install with --no-modify-path and add it yourself",
            ) from None
        if change is None:
            continue
        created += missing
        journal.steps.append(lambda change=change, missing=missing: _undo_block(change, missing))
        old = known.get(target.file)
        # A block refreshed in place keeps what the first install knew about the file.
        block = (
            change.block
            if old is None
            else PathBlock(target.file, old.created, old.newlines, lines)
        )
        known[target.file] = block
        written.append(target.file)
    if written:
        say(
            f"added {_home_relative(bin_dir)} to PATH in " + ", ".join(map(_home_relative, written))
        )
    return list(known.values())


def _undo_block(change: shell_path.Change, missing: list[Path]) -> None:
    shell_path.undo(change)
    _remove_empty(missing)


def _write_receipt(
    product: Product,
    where: paths.Paths,
    opts: argparse.Namespace,
    link: Path,
    created: list[Path],
    previous: Optional[Receipt],
    blocks: list[PathBlock],
    journal: _Journal,
) -> None:
    today = consent_record.today()
    try:
        original: Optional[bytes] = where.receipt.read_bytes()
    except OSError:
        original = None
    # The spool's folder appears only at the first send; if it is missing now, it is ours.
    missing_config = missing_folders(where.config_dir)
    created += missing_config + missing_folders(where.state_dir)
    the_receipt = Receipt(
        name=product.name,
        version=product_module.version_of(product) or "",
        tool=opts.tool,
        python=opts.python,
        source=receipt.redacted(opts.source),
        installed_on=previous.installed_on if previous else today,
        updated_on=today,
        venv=opts.venv,
        link=link,
        data_dir=opts.venv.parent,
        config_dir=where.config_dir,
        state_dir=where.state_dir,
        cache_dir=opts.cache_dir,
        created_dirs=_deepest_first([*(previous.created_dirs if previous else ()), *created]),
        path_blocks=tuple(blocks),
    )
    try:
        where.config_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        journal.steps.append(lambda: _remove_empty(missing_config))
        receipt.write(where.receipt, the_receipt)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise _Stage(
            "path",
            error_class(exc, "other"),
            f"cannot write the install receipt {where.receipt} ({reason})",
        ) from None
    journal.steps.append(lambda: _restore_receipt(where.receipt, original))


def _restore_receipt(path: Path, original: Optional[bytes]) -> None:
    if original is None:
        receipt.delete(path)
    else:
        write_atomic(path, original, mode=receipt.MODE)


def _forget_old_link(previous: Optional[Receipt], link: Path, venv: Path) -> None:
    """An earlier install linked elsewhere (another --bin-dir): that link goes now."""
    if previous is None or previous.link == link or previous.link.name != link.name:
        return
    if command_link.points_into(previous.link, venv):
        try:
            previous.link.unlink()
        except OSError:
            pass


def failed(argv: Sequence[str], product: Product) -> int:
    opts = _failed_parser(product.name).parse_args(list(argv))
    from doorstep.delivery.telemetry import Recorder
    from doorstep.install import stages

    recorder = Recorder(product)
    saved = consent_record.read(recorder.paths().record).record
    if saved is None or not saved.enabled:
        return 0  # consent was never recorded as on: nothing leaves the machine
    recorder.flag = False if opts.no_telemetry else None
    if not recorder.decide().sends:
        return 0
    stages.record_failure(recorder, opts.stage, opts.error)
    if opts.wait:
        from doorstep.delivery.spool import Spool

        state_dir = recorder.paths().state_dir
        missing = missing_folders(state_dir)
        if recorder.flush(wait=FAILED_WAIT_SECONDS) == "sent" and missing:
            # All sent, and the install is going away: leave no trace of the send.
            Spool(state_dir).discard()
            _remove_empty(missing)
    else:
        recorder.flush()
    return 0


_COMMANDS = {"finish": finish, "failed": failed}


def _run_finish(argv: list[str], run: Callable[[list[str]], int]) -> int:
    """``--product NAME _install finish ...`` as the command line runs it, without building
    the parser of every command (the ``_install`` words parse themselves)."""
    if len(argv) < 3 or argv[0] != "--product" or argv[2] != "_install":
        return run(argv)
    from doorstep.foundation.args import EXIT_FAILURE, guarded, program
    from doorstep.foundation.errors import DoorstepError

    try:
        product = product_module.load(argv[1])
    except DoorstepError as exc:
        sys.stderr.write(f"{program()}: {exc}\n")
        return EXIT_FAILURE
    product_module.activate(product)
    return guarded(product.name, lambda: main(argv[3:], product))


def finish_then_setup(argv: Sequence[str], run: Callable[[list[str]], int], report_fd: int) -> int:
    """``finish``, then ``setup``, in one process: install.sh's last two stages.

    ``argv`` is a count N, N words of the command line that runs ``finish``, then the
    words that run ``setup`` (``run`` is the command line's main, passed in from above).
    What ``finish`` prints goes to ``report_fd``, which is closed before setup starts,
    so install.sh has the outcome of the link and path stages even if the wizard is
    then killed, and a failed setup never undoes a finished install. The link and path
    timings join setup's ``--install-trace``. The exit code is finish's when it fails,
    otherwise setup's.
    """
    from importlib.util import find_spec

    # The entry module compiled, as the two runs of -m doorstep this replaces left it.
    entry = find_spec("doorstep.__main__")
    if entry is not None and entry.loader is not None:
        entry.loader.get_code(entry.name)  # type: ignore[attr-defined]
    count = int(argv[0])
    finish_argv, setup_argv = list(argv[1 : count + 1]), list(argv[count + 1 :])
    report = io.StringIO()
    try:
        with contextlib.redirect_stdout(report):
            code = _run_finish(finish_argv, run)
    finally:
        try:
            os.write(report_fd, report.getvalue().encode())
            os.close(report_fd)
        except OSError:
            pass  # install.sh went away: the install stands or was undone either way
    if code != 0:
        return code
    timings = report.getvalue().partition("\n")[0]
    if "--install-trace" in setup_argv and timings:
        where = setup_argv.index("--install-trace") + 1
        setup_argv[where] += "," + timings
    return run(setup_argv)


def main(rest: list[str], product: Product) -> int:
    """``<name> _install <step> ...``: the Python stages of install.sh (not for people)."""
    if not rest or rest[0] not in _COMMANDS:
        raise UsageError(f"_install needs one of: {', '.join(_COMMANDS)} (used by install.sh)")
    return _COMMANDS[rest[0]](rest[1:], product)


__all__ = [
    "FAILED_WAIT_SECONDS",
    "error_class",
    "failed",
    "finish",
    "finish_then_setup",
    "main",
    "missing_folders",
    "unsafe_paths",
]
