"""Install time: install.sh beside `uv tool install` and `pipx install` of the same wheel.

    .venv/bin/python bench/install.py [--runs 5] [--uv-only]

Every run starts in a fresh, empty HOME. Caches are warm: one uncounted run of each
installer fills a shared uv cache, pip cache and pipx's shared pip, all outside HOME.
Every package comes from the local wheelhouse (build/wheelhouse, built by
`sh tests/run.sh`), so the figures measure the installers, not the network. doorstep's
wheel is built afresh from a copy of this checkout. pipx itself is installed from PyPI
into a throwaway environment. The runs of the four installers take turns, each round
starting one further along, so a busy moment of the machine and the wake of a long run
are shared out evenly, and what one run wrote is flushed to disk
(sync) before the next starts, so no run pays for the writes of the one before. Prints
a markdown block for BENCHMARKS.md.

With --uv-only, only install.sh with uv and `uv tool install` take turns, with no
seconds-long run of pip or pipx between them.
"""

from __future__ import annotations

import argparse
import os
import platform
import pwd
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "installer", "tui", "collector")
TIMEOUT = 600
# The breakdown's steps that any install.sh pays before doorstep's own stages run.
PROBE = "python3 probe (preflight)"
SYNC = "uv sync (environment and package)"
START = "the new environment's python -I -c pass"
FLOOR = (PROBE, SYNC, START)


def run(argv: list[str], env: Mapping[str, str], what: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        argv,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # no terminal: install.sh's setup asks nothing
    )
    if result.returncode != 0:
        sys.exit(f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def wheelhouse() -> Path:
    """The dependencies' wheels that `sh tests/run.sh` downloads into build/wheelhouse."""
    dependencies = ROOT / "build" / "wheelhouse"
    if not any(dependencies.glob("setuptools-*.whl")):
        sys.exit(f"no wheelhouse at {dependencies}: run `sh tests/run.sh` first")
    return dependencies


def find_uv() -> str:
    here = Path(sys.executable).parent / "uv"
    found = str(here) if here.exists() else shutil.which("uv")
    if found is None:
        sys.exit("uv is needed: pip install -e '.[test]' (or put uv on PATH)")
    return found


def build_wheel(work: Path, uv: str, dependencies: Path) -> Path:
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    env = dict(os.environ, UV_CACHE_DIR=str(work / "build-cache"), UV_NO_CONFIG="1")
    argv = [uv, "build", "--wheel", "--offline", "--find-links", str(dependencies)]
    run([*argv, "--out-dir", str(work / "dist"), str(source)], env, "building the wheel")
    (wheel,) = (work / "dist").glob("doorstep-*.whl")
    return wheel


def tool_farm(folder: Path, leave_out: tuple[str, ...]) -> Path:
    """Links to every command on PATH but ``leave_out``: this machine without uv."""
    folder.mkdir()
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(entry):
            continue
        for name in os.listdir(entry):
            target = os.path.join(entry, name)
            if name in leave_out or (folder / name).exists() or os.path.isdir(target):
                continue
            if os.access(target, os.X_OK):
                (folder / name).symlink_to(target)
    return folder


def python3() -> str:
    """The interpreter install.sh would pick (python3 on PATH), resolved past any shim."""
    found = subprocess.run(
        ["python3", "-I", "-c", "import sys; print(sys.executable)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return found.stdout.strip()


def last_stages_code() -> str:
    """The Python that install.sh runs for its link, path and wizard stages, taken from it."""
    text = (ROOT / "install.sh").read_text()
    found = re.search(r"-I -c '([^']*)' \"\$@\" 3>&1", text)
    if found is None:
        sys.exit("install.sh no longer runs its last stages in one python -c: update this bench")
    return found.group(1)


def breakdown(
    work: Path, uv: str, python: str, wheel: Path, env: dict[str, str], runs: int
) -> dict[str, list[float]]:
    """install.sh's steps one by one, the way it runs them, each in a fresh HOME."""
    parts: dict[str, list[float]] = {}
    code = last_stages_code()
    for _ in range(runs):
        home = Path(tempfile.mkdtemp(prefix="home-", dir=work))
        venv = home / ".local" / "share" / "doorstep" / "venv"
        bin_dir = home / ".local" / "bin"
        here = dict(env, HOME=str(home))
        venv_python = str(venv / "bin" / "python")
        finish = ["--product", "doorstep", "_install", "finish", "--venv", str(venv)]
        finish += ["--tool", "uv", "--python", python, "--source", str(wheel), "--quiet"]
        finish += ["--bin-dir", str(bin_dir)]
        setup = ["--product", "doorstep", "setup", "--install-trace", "kind=fresh,method=script"]
        setup += ["--no-telemetry", "--yes"]
        # As install.sh runs it: finish's outcome on descriptor 3.
        last = ["sh", "-c", 'exec "$@" 3>/dev/null', "sh", venv_python, "-I", "-c", code]
        last += [str(len(finish)), *finish, *setup]
        probe = [python, "-IS", "-c", "import os, sys; os.fsencode(sys.argv[1])", str(home)]
        project = home / "project"
        project.mkdir()
        (project / "pyproject.toml").write_text(sync_project(wheel, python))
        sync = [uv, "sync", "-q", "--project", str(project), "--python", python]
        # As install.sh runs it: into the environment's folder, uv's lock file in TMPDIR
        # going with the project's folder.
        sync_env = dict(here, UV_PROJECT_ENVIRONMENT=str(venv), TMPDIR=str(project))
        steps = {
            PROBE: (probe, here),
            SYNC: (sync, sync_env),
            "link, path, receipt, setup --no-telemetry (one Python)": (last, here),
            "the same again, bytecode now compiled": (last, here),
            START: ([venv_python, "-I", "-c", "pass"], here),
        }
        for name, (argv, step_env) in steps.items():
            os.sync()
            started = time.perf_counter()
            run(argv, step_env, name)
            parts.setdefault(name, []).append(time.perf_counter() - started)
        shutil.rmtree(home)
        # What uv sync replaced: uv asks a new environment's interpreter about itself
        # before it installs into it, and every first install is at a new path.
        home = Path(tempfile.mkdtemp(prefix="home-", dir=work))
        venv = home / "venv"
        os.sync()
        started = time.perf_counter()
        run([uv, "venv", "-q", "--python", python, str(venv)], env, "uv venv")
        package = [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
        run([*package, str(wheel)], env, "uv pip install")
        name = "for comparison: uv venv + uv pip install, the two steps uv sync replaced"
        parts.setdefault(name, []).append(time.perf_counter() - started)
        shutil.rmtree(home)
    return parts


def sync_project(wheel: Path, python: str) -> str:
    """The throwaway project install.sh's sync_package writes for a wheel."""
    probe = (
        "import os, sys; v = sys.version_info; print('%d.%d' % v[:2]); print(\"sys_platform == "
        "'%s' and platform_machine == '%s' and implementation_name == '%s' and python_version "
        "== '%d.%d'\" % (sys.platform, os.uname().machine, sys.implementation.name, *v[:2]))"
    )
    version, marker = subprocess.run(
        [python, "-IS", "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split("\n")[:2]
    name = wheel.name.split("-")[0]
    return (
        f'[project]\nname = "venv"\nversion = "0"\nrequires-python = ">={version}"\n'
        f'dependencies = ["{name} @ file://{wheel}"]\n\n[tool.uv]\npackage = false\n'
        f'environments = ["{marker}"]\n\n[tool.uv.workspace]\nmembers = []\n'
    )


def make_pipx(work: Path, python: str, shared: Path) -> str:
    """pipx, installed from PyPI into a throwaway environment, and its shared pip."""
    pipx_env = work / "pipx-venv"
    run([python, "-m", "venv", str(pipx_env)], os.environ, "making pipx's environment")
    pip = [str(pipx_env / "bin" / "python"), "-m", "pip", "install", "--quiet", "pipx"]
    run(pip, os.environ, "installing pipx from PyPI")
    # pipx's shared pip is made once, from PyPI like pipx itself (it is part of pipx).
    run([python, "-m", "venv", str(shared)], os.environ, "making pipx's shared pip")
    upgrade = [str(shared / "bin" / "python"), "-m", "pip", "install", "-q", "-U", "pip"]
    run(upgrade, os.environ, "upgrading pipx's shared pip from PyPI")
    return str(pipx_env / "bin" / "pipx")


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="counted runs of each (5)")
    parser.add_argument(
        "--baseline", type=Path, default=None, help="another install.sh to time in the same runs"
    )
    parser.add_argument(
        "--uv-only", action="store_true", help="only install.sh with uv and uv tool install"
    )
    args = parser.parse_args()
    dependencies = wheelhouse()
    uv = find_uv()
    python = python3()
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as folder:
        work = Path(folder)
        wheel = build_wheel(work, uv, dependencies)
        house = work / "wheelhouse"
        house.mkdir()
        for item in dependencies.glob("*.whl"):
            if not item.name.startswith("doorstep-"):
                (house / item.name).symlink_to(item)
        shutil.copy2(wheel, house / wheel.name)
        wheel = house / wheel.name
        (work / "empty-index").mkdir()
        uv_dir = work / "uv-only"
        uv_dir.mkdir()
        (uv_dir / "uv").symlink_to(uv)
        no_uv = tool_farm(work / "no-uv", ("uv", "uvx"))
        pipx, shared = "", work / "pipx-shared"
        pipx_version = "not used (--uv-only)"
        if not args.uv_only:
            pipx = make_pipx(work, python, shared)
            pipx_version = run([pipx, "--version"], os.environ, "pipx --version").stdout.strip()
        uv_version = run([uv, "--version"], os.environ, "uv --version").stdout.strip()

        real_home = pwd.getpwuid(os.getuid()).pw_dir
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PIP_", "UV_", "PIPX_", "XDG_", "DOORSTEP_")) and k != "CI"
        }
        base.update(
            PIP_CONFIG_FILE=os.devnull,
            PIP_NO_INDEX="1",
            PIP_FIND_LINKS=str(house),
            PIP_CACHE_DIR=str(work / "pip-cache"),
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            UV_NO_CONFIG="1",
            UV_DEFAULT_INDEX=str(work / "empty-index"),
            UV_FIND_LINKS=str(house),
            UV_CACHE_DIR=str(work / "uv-cache"),
            UV_PYTHON_DOWNLOADS="never",
            PIPX_SHARED_LIBS=str(shared),
            PIPX_DEFAULT_PYTHON=python,
            RUSTUP_HOME=os.path.join(real_home, ".rustup"),  # pip asks rustc for its user agent
        )
        # python3 on PATH is the interpreter itself (no version-manager shim in between),
        # as on most machines; every installer uses that same interpreter.
        first = os.path.dirname(python)
        with_uv = dict(base, PATH=os.pathsep.join([first, str(uv_dir), os.environ["PATH"]]))
        without_uv = dict(base, PATH=os.pathsep.join([first, str(no_uv)]))
        script = ["dash", str(ROOT / "install.sh"), "--from", str(wheel), "--no-telemetry", "-q"]
        contenders = {
            "install.sh (uv on PATH)": (script, with_uv),
            "uv tool install": (
                [uv, "tool", "install", "-q", "--python", python, str(wheel)],
                with_uv,
            ),
        }
        if not args.uv_only:
            contenders["install.sh (no uv: venv + pip)"] = (script, without_uv)
            contenders["pipx install"] = (
                [pipx, "install", "--python", python, str(wheel)],
                without_uv,
            )
        if args.baseline is not None:
            before = ["dash", str(args.baseline.resolve()), *script[2:]]
            contenders["baseline install.sh (uv on PATH)"] = (before, with_uv)
            if not args.uv_only:
                contenders["baseline install.sh (no uv)"] = (before, without_uv)
        times: dict[str, list[float]] = {name: [] for name in contenders}
        names = list(contenders)
        for round_number in range(args.runs + 1):  # round 0 warms the caches, uncounted
            # Each round starts one further along, so no installer always follows the same
            # one (a short run just after seconds of pip is slower than after another).
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                argv, env = contenders[name]
                home = Path(tempfile.mkdtemp(prefix="home-", dir=work))
                # The files the run before wrote go to disk now, not during this one.
                os.sync()
                started = time.perf_counter()
                run(argv, dict(env, HOME=str(home)), name)
                elapsed = time.perf_counter() - started
                if not any((home / ".local" / "bin").glob("doorstep")):
                    sys.exit(f"{name} left no ~/.local/bin/doorstep")
                if round_number:
                    times[name].append(elapsed)
                shutil.rmtree(home)

        parts = breakdown(work, uv, python, wheel, with_uv, args.runs)

    load_after = load_average()
    median = {name: statistics.median(values) for name, values in times.items()}
    print("```")
    options = f" --baseline {args.baseline}" if args.baseline else ""
    options += " --uv-only" if args.uv_only else ""
    print(f"$ .venv/bin/python bench/install.py --runs {args.runs}{options}")
    print(
        f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()} ({python}), {uv_version}, pipx {pipx_version}"
    )
    print(f"fresh HOME per run, warm caches, wheels from the local wheelhouse; {args.runs} runs")
    print(f"load average (1, 5, 15 min): {load_before} before, {load_after} after")
    print()
    print("| installer | median | fastest | slowest |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        print(f"| {name} | {median[name]:.2f} s | {min(values):.2f} s | {max(values):.2f} s |")
    print()
    ours, uv_tool = median["install.sh (uv on PATH)"], median["uv tool install"]
    print(f"install.sh / uv tool install: {ours / uv_tool:.2f}x (goal: at most 2.00x)")
    if not args.uv_only:
        pip_ours, pipx_time = median["install.sh (no uv: venv + pip)"], median["pipx install"]
        ratio = pip_ours / pipx_time
        print(f"install.sh without uv / pipx install: {ratio:.2f}x (goal: at most 0.5x)")
    print()
    print("Where install.sh's time goes (uv on PATH; medians of the same number of runs):")
    print()
    print("| step | median |")
    print("|---|---:|")
    for name, values in parts.items():
        print(f"| {name} | {statistics.median(values):.3f} s |")
    # What any install.sh that runs Python once after uv sync pays before it does anything.
    floor = sum(statistics.median(parts[name]) for name in FLOOR)
    print()
    print(
        f"floor (probe + uv sync + one interpreter start, none of doorstep's stages): "
        f"{floor:.3f} s, {floor / uv_tool:.2f}x uv tool install"
    )
    print("```")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
