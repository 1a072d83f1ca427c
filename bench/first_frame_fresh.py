"""A first install's wizard: importing what its first frame needs, in an environment with
no bytecode yet, with and without install.sh's second interpreter compiling them.

    .venv/bin/python bench/first_frame_fresh.py [--runs 8]

Every run makes a new environment (uv venv + uv pip install of doorstep's wheel, built
afresh from this checkout, dependencies from build/wheelhouse), as a first install
leaves it: nothing compiled. Then it times, in that environment's Python, what install
.sh's last stage does once setup has decided to show the wizard: ``import`` of the
screens' modules (doorstep.tui.launch and app, Textual, Rich, the terminal driver),
after ``precompile.start`` as install.sh calls it, asking (``screens``) or not. The two
take turns. The frame's drawing itself is not in the figure; `bench/onboarding.py`
measures the whole first frame with bytecode in place.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from install import build_wheel, find_uv, load_average, python3, run, wheelhouse

_IMPORT = """import sys, time
started = time.perf_counter()
from doorstep.install import precompile
pid = precompile.start(files=[], screens=sys.argv[1] == "1")
import doorstep.tui.launch, doorstep.tui.app, textual.drivers.linux_driver
print(time.perf_counter() - started)
precompile.wait(pid)
"""
VARIANTS = {"without the second interpreter": "0", "with it compiling the first frame": "1"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()
    dependencies = wheelhouse()
    uv = find_uv()
    python = python3()
    load_before = load_average()
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as folder:
        work = Path(folder)
        wheel = build_wheel(work, uv, dependencies)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PYTHON"))}
        env.update(
            UV_NO_CONFIG="1",
            UV_OFFLINE="1",
            UV_FIND_LINKS=str(dependencies),
            UV_CACHE_DIR=str(work / "uv-cache"),
        )
        for round_number in range(args.runs + 1):  # round 0 fills uv's cache, uncounted
            for name, screens in VARIANTS.items():
                venv = work / "venv"
                run([uv, "venv", "-q", "--python", python, str(venv)], env, "uv venv")
                install = [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
                run([*install, str(wheel)], env, "uv pip install")
                os.sync()
                timed = [str(venv / "bin" / "python"), "-I", "-c", _IMPORT, screens]
                result = run(timed, env, name)
                if round_number:
                    times[name].append(float(result.stdout))
                shutil.rmtree(venv)
                time.sleep(0.2)
    print("```")
    print(f"$ .venv/bin/python bench/first_frame_fresh.py --runs {args.runs}")
    print(f"{os.cpu_count()} cores, Python {python}; a new environment per run, nothing compiled")
    print(f"load average (1, 5, 15 min): {load_before} before, {load_average()} after")
    print()
    print("| the first frame's imports in a new environment | median | fastest | slowest |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        row = f"{statistics.median(values) * 1000:.0f} ms | {min(values) * 1000:.0f} ms"
        print(f"| {name} | {row} | {max(values) * 1000:.0f} ms |")
    without, with_it = (statistics.median(times[name]) for name in VARIANTS)
    print()
    print(f"saved: {(without - with_it) * 1000:.0f} ms ({(1 - with_it / without) * 100:.0f}%)")
    print("```")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
