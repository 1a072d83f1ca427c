"""How much `doorstep telemetry status` costs over a bare Python start.

    .venv/bin/python bench/status.py [--runs 60]

Both commands run interleaved, in a fresh HOME, with the same interpreter. Goal: the
median of status at most 60 ms above the median of `python -c pass`.
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
    args = parser.parse_args()
    script = Path(sys.executable).with_name("doorstep")
    if not script.exists():
        sys.exit(f"no doorstep script next to {sys.executable}: pip install -e . first")
    home = tempfile.mkdtemp(prefix="bench-status-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "DOORSTEP_"))}
    env.update(HOME=home)
    try:
        results = compare(
            {
                "`python -c pass` (baseline)": [sys.executable, "-c", "pass"],
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
        f"`{Path(sys.executable).name} bench/status.py --runs {args.runs}` "
        f"(Python {platform.python_version()}, {os.cpu_count()} cores)\n"
    )
    print(table(results))
    print()
    for summary in results[1:]:
        print(
            f"- {summary.label}: {summary.median_ms - base:+.1f} ms over the bare interpreter "
            "(goal: at most +60 ms)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
