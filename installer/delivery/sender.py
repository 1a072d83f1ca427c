"""The detached sender: claims the spool, posts it, and returns what got no answer.

``spawn()`` starts it in a new session with no inherited stdio, so the command that
recorded the events exits at once. The sender re-reads the consent record before
sending (a "no" given since then still wins), spends at most ``TOTAL_SECONDS`` in all,
never retries in a loop, treats any HTTP answer as final, and prints nothing, except
with <PREFIX>_TELEMETRY_DEBUG=1, when it echoes each batch to stderr before sending it.
"""

from __future__ import annotations

import os
import sys
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks
    fcntl = None  # type: ignore[assignment]

from doorstep.consent import decision as consent
from doorstep.consent import record as consent_record
from doorstep.consent import standing
from doorstep.delivery.spool import SENDER_LOCK, Entry, Spool
from doorstep.foundation import flags, paths, pathtext, product

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Callable, Optional, Union

    from doorstep.delivery import transport

TOTAL_SECONDS = 3.0
ROUNDS = 4  # a few more claims for events spooled while sending, then stop
_CHUNK = 200  # events per body at most; the byte budget below usually binds first
# Too little time left to hear an answer: a post now could be received but its answer
# lost, and the batch sent twice. It waits for the next sender instead.
_MIN_POST_SECONDS = 0.5
_BODY_OVERHEAD = 256  # the keys around the envelope and the events list


class _Deadline(BaseException):
    """Raised by the alarm when the sender has used its time (not an Exception on purpose)."""


def debug_enabled(env: Mapping[str, str]) -> bool:
    """Whether <PREFIX>_TELEMETRY_DEBUG asks for each batch on stderr."""
    return flags.is_set(env, product.current().env("TELEMETRY_DEBUG"))


def spawn(
    flag: Optional[bool] = None,
    env: Optional[Mapping[str, str]] = None,
    the_product: Optional[product.Product] = None,
) -> None:
    """Start a sender for ``the_product`` (default: the current one) that outlives this
    process; never waits, never raises."""
    env = os.environ if env is None else env
    if not sys.executable:
        return  # an embedded interpreter cannot start a sender; the spool waits
    argv = [sys.executable, "-m", "doorstep.delivery.sender"]
    if flag is not None:
        argv.append("--telemetry" if flag else "--no-telemetry")
    the_product = the_product or product.current()
    if the_product != product.own() and the_product.origin:
        argv += ["--product-file", the_product.origin]
    # One sender at a time per product: the lock is taken here and handed to the child,
    # so no second one starts between this spawn and the child's first breath.
    lock = _take_lock(paths.for_product(the_product, env).state_dir_text)
    if lock is None:
        return  # a sender is running; what waits goes with it or with the next one
    argv += ["--lock-fd", str(lock)]
    quiet = not debug_enabled(env)
    child_env = dict(env)
    # The sender must import this very copy of the package, wherever it was loaded from.
    # A folder named otherwise (an editable checkout) is found by its own import hook.
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if os.path.basename(package_dir) == __name__.partition(".")[0]:
        child_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (os.path.dirname(package_dir), env.get("PYTHONPATH", "")) if p
        )
    try:
        if hasattr(os, "fork") and hasattr(os, "setsid"):
            _fork_exec(argv, child_env, lock, quiet)
        else:  # pragma: no cover - Windows
            _popen(argv, child_env, lock, quiet)
    except (OSError, ValueError):
        pass  # no sender today; the events wait in the spool for the next one
    finally:
        os.close(lock)  # the child holds it now (or nobody does)


def _fork_exec(argv: list[str], env: dict[str, str], lock: int, quiet: bool) -> None:
    """Start ``argv`` as ``_popen`` does, without importing subprocess (a few ms of every
    start that sends): a new session, stdin and stdout (and stderr when ``quiet``) on
    /dev/null, no descriptor but the lock, in "/", the ignored signals restored."""
    try:
        open_max = os.sysconf("SC_OPEN_MAX")  # as subprocess finds the highest descriptor
    except (AttributeError, ValueError, OSError):
        open_max = 256
    # What signal.signal calls (the signal module imports enum: a start need not pay);
    # imported before the fork, since the child may not import anything.
    try:
        import _signal
    except ImportError:  # pragma: no cover - an interpreter without the C module
        import signal as _signal
    import warnings  # loaded at every interpreter's start

    # The child execs at once; Python's "fork of a threaded process" warning would only
    # be noise on a user's terminal, so it is silenced here alone.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid:
        return
    try:  # the child: nothing here may return into the tool's own code
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        if quiet:
            os.dup2(null, 2)
        os.chdir("/")
        for name in ("SIGPIPE", "SIGXFZ", "SIGXFSZ"):
            if hasattr(_signal, name):
                _signal.signal(getattr(_signal, name), _signal.SIG_DFL)
        os.setsid()
        os.set_inheritable(lock, True)
        os.closerange(3, lock)
        os.closerange(lock + 1, max(open_max, lock + 1))
        os.execve(argv[0], argv, env)
    finally:
        os._exit(127)


def _popen(argv: list[str], env: dict[str, str], lock: int, quiet: bool) -> None:
    import subprocess
    import warnings

    # The child outlives this process on purpose; Popen's "still running" warning would
    # only be noise on a user's terminal (python -X dev), so it is silenced here alone.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if quiet else None,
            start_new_session=True,
            close_fds=True,
            pass_fds=(lock,),
            cwd="/",
            env=env,
        )


def _take_lock(state_dir: Union[str, Path]) -> Optional[int]:
    """A descriptor holding the product's sender lock, or None if a sender holds it."""
    fd = _open_lock(state_dir)
    if fcntl is None:
        return fd
    if fd is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _open_lock(state_dir: Union[str, Path]) -> Optional[int]:
    folder = pathtext.text(state_dir)
    try:
        pathtext.mkdir(folder, 0o700)
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        return os.open(pathtext.join(folder, SENDER_LOCK), flags, 0o600)
    except OSError:
        return None


def _groups(entries: list[Entry]) -> list[tuple[dict, list[dict]]]:
    """Entries grouped by envelope (one run each), in spool order, chunked for the wire."""
    from doorstep.events import wire  # deferred: the process that only spawns never needs it

    groups: dict[str, tuple[dict, list[dict]]] = {}
    for entry in entries:
        key = wire.encode(entry.envelope).decode()
        groups.setdefault(key, (entry.envelope, []))[1].append(entry.event)
    batches = []
    for key, (envelope, events) in groups.items():
        budget = wire.MAX_BODY_BYTES - len(key) - _BODY_OVERHEAD
        chunk: list[dict] = []
        size = 0
        for event in events:
            cost = len(wire.encode(event)) + 1
            if chunk and (size + cost > budget or len(chunk) >= _CHUNK):
                batches.append((envelope, chunk))
                chunk, size = [], 0
            chunk.append(event)
            size += cost
        if chunk:
            batches.append((envelope, chunk))
    return batches


def next_bodies(spool: Spool) -> list[dict]:
    """The bodies the next send would carry, in order (what the preview shows)."""
    from doorstep.events import wire

    return [wire.body(envelope, events) for envelope, events in _groups(spool.peek())]


def _decision(flag: Optional[bool]) -> consent.Decision:
    return standing.decide(paths.for_product(), os.environ, flag, product.current()).decision


def _sendable(flag: Optional[bool]) -> Callable[[Entry], bool]:
    # With an install id on record, only its events may leave: anything queued under an
    # earlier id (before a "no", or a reset) is dropped, even if deleting it had failed.
    saved = consent_record.read(paths.for_product().record).record
    if saved is None or not saved.enabled or not saved.install_id:
        return lambda entry: True
    current = saved.install_id
    return lambda entry: entry.envelope.get("install_id") == current


def send_once(spool: Spool, flag: Optional[bool], deadline: float) -> Optional[bool]:
    """One round: claim, send, give back what failed. True when all went, False when
    something could not go (or may not), None when there was nothing to send."""
    claims = spool.claim()
    if not claims:
        return None
    decision = _decision(flag)
    if not decision.sends:
        for claim in claims:  # consent was withdrawn (or never real): nothing leaves
            spool.release(claim)
        return False
    from doorstep.events import wire

    debug = debug_enabled(os.environ)
    keep = _sendable(flag)
    ok = True
    for claim in claims:
        batches = _groups([entry for entry in spool.read_claim(claim) if keep(entry)])
        unsent: list[Entry] = []
        for envelope, events in batches:
            if not ok or deadline - time.monotonic() < _MIN_POST_SECONDS:
                ok = False
                unsent.extend(Entry(envelope, event) for event in events)
                continue
            data = wire.encode(wire.body(envelope, events))
            if debug:
                sys.stderr.write(data.decode() + "\n")
                sys.stderr.flush()
            outcome = _post_within(decision.endpoint or "", data, deadline)
            if not outcome.answered:
                ok = False
                unsent.extend(Entry(envelope, event) for event in events)
            else:
                _log_sent(spool, decision.endpoint or "", outcome.status or 0, data)
        if unsent:
            spool.give_back(claim, unsent)
        else:
            spool.release(claim)
    return ok


def _log_sent(spool: Spool, endpoint: str, status: int, data: bytes) -> None:
    # The local copy of what left: a full disk costs the copy, never the next batch.
    from doorstep.consent import record as consent_record
    from doorstep.delivery import sent_log

    try:
        sent_log.append(spool.folder, consent_record.today(), endpoint, status, data)
    except (OSError, ValueError):
        pass


def _expire(signum: int, frame: object) -> None:
    raise _Deadline


def _post_within(url: str, data: bytes, deadline: float) -> transport.Outcome:
    """Post with a hard stop at ``deadline``: httpx timeouts bound each step, the alarm all."""
    import signal

    from doorstep.delivery import transport

    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return transport.Outcome(None)
    # The alarm is armed only around the network call, so it never interrupts the spool.
    alarm = hasattr(signal, "setitimer") and signal.getsignal(signal.SIGALRM) is _expire
    try:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, remaining)
        return transport.post(url, data, remaining)
    except _Deadline:
        return transport.Outcome(None)
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)


def run(
    flag: Optional[bool] = None, budget: float = TOTAL_SECONDS, lock: Optional[int] = None
) -> bool:
    """A few rounds of sending within ``budget`` seconds; True when nothing is left waiting.

    The detached sender's whole life, and also the foreground send of the two moments
    that cannot leave it to a detached one (uninstall, a failed fresh install): the
    alarm is armed only around each post, so it never interrupts the spool.

    ``lock`` is the held sender lock: it is let go only under the spool's lock, once
    the spool is empty, so an event spooled by a command that found this sender busy
    (and so started none) is always sent by this one.
    """
    deadline = time.monotonic() + budget
    import signal
    import threading

    armed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGALRM, _expire) if armed else None
    spool = Spool(paths.for_product().state_dir)
    try:
        while True:
            last: Optional[bool] = True
            for _ in range(ROUNDS):
                last = send_once(spool, flag, deadline)
                if not last:
                    break
            if lock is None or last is False:
                break  # a failure: what is left waits for the next command's sender
            with spool.locked():
                waiting = spool.path.exists() and spool.path.stat().st_size > 0
                if not waiting or deadline - time.monotonic() < _MIN_POST_SECONDS:
                    os.close(lock)
                    lock = None
                    break
    except OSError:
        pass  # what was not sent is still in a claim; a later sender adopts it
    finally:
        if armed:
            signal.signal(signal.SIGALRM, previous)
    return not spool.peek()


def main(argv: Optional[list[str]] = None) -> int:
    """The entry point of ``python -m doorstep.delivery.sender``; always exits 0, silently."""
    args = sys.argv[1:] if argv is None else argv
    if hasattr(os, "nice"):
        try:
            os.nice(10)  # a background chore: whatever the user runs next comes first
        except OSError:
            pass
    flag = True if "--telemetry" in args else False if "--no-telemetry" in args else None
    try:
        if "--product-file" in args[:-1]:
            product.activate(product.from_file(args[args.index("--product-file") + 1]))
        if "--lock-fd" in args[:-1]:
            lock: Optional[int] = int(args[args.index("--lock-fd") + 1])
        else:
            lock = _take_lock(paths.for_product().state_dir)
            if lock is None:
                return 0  # started by hand while another sender runs: that one does the work
        run(flag, lock=lock)
        return 0
    except Exception:
        return 0  # a sender never complains: telemetry must not cost the user anything


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "ROUNDS",
    "TOTAL_SECONDS",
    "debug_enabled",
    "main",
    "next_bodies",
    "run",
    "send_once",
    "spawn",
]
