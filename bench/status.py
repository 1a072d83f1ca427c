"""How much `doorstep telemetry status` costs over a bare Python start.

    .venv/bin/python bench/status.py [--runs 60] [--python build/bench-start-venv/bin/python]

Both commands run interleaved, in a fresh HOME, with the same interpreter (``--python``:
another environment's, such as the bench venv of ``bench/adopting_start.py``, where
doorstep is installed as a wheel would be, without the editable install's import hook
that loads ``pathlib`` and ``re`` into the bare interpreter too). Goal (issue 15): the
median of status at most 25 ms above the median of ``python -c pass``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import compare, table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--python", default=sys.executable, help="the interpreter to measure")
    args = parser.parse_args()
    python = os.path.abspath(args.python)  # not resolved: a venv's python is a link
    script = Path(python).with_name("doorstep")
    if not script.exists():
        sys.exit(f"no doorstep script next to {python}: pip install -e . first")
    home = tempfile.mkdtemp(prefix="bench-status-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "DOORSTEP_"))}
    env.update(HOME=home)
    try:
        results = compare(
            {
                "`python -c pass` (baseline)": [python, "-c", "pass"],
                "`doorstep telemetry status`": [str(script), "telemetry", "status"],
                "`doorstep telemetry status --json`": [
                    str(script),
                    "telemetry",
                    "status",
                    "--json",
                ],
            },
            runs=args.runs,
            env=env,
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    base = results[0].median_ms
    print(
        f"`{Path(sys.executable).name} bench/status.py --runs {args.runs}` with {python} "
        f"(Python {platform.python_version()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f} at the end)\n"
    )
    print(table(results))
    print()
    for summary in results[1:]:
        print(
            f"- {summary.label}: {summary.median_ms - base:+.1f} ms over the bare interpreter "
            "(goal: at most +25 ms)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
