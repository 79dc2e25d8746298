"""How quickly the commands that only look at the library answer: `guided --help`, Tab completion
and `guided list`, against the interpreter's own start (`python -c pass`), in a fresh process each.

A command that only looks must not load the audio machinery (numpy, sounddevice, a speech model);
tests/test_rooms.py keeps that true, this measures what it costs. Wall and CPU time (user + system
of the child) are the median of --runs runs, with the load average before and after.

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def timed(command: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="guided-startup-") as home:
        env = {**os.environ, "GUIDED_HOME": home}
        completion = {**env, "_GUIDED_COMPLETE": "bash_complete", "COMP_WORDS": "guided play heart", "COMP_CWORD": "2"}
        rows = [
            ("python -c pass", [python, "-c", "pass"], env),
            ("guided --help", [python, "-m", "guided", "--help"], env),
            ("Tab: guided play heart<Tab>", [python, "-m", "guided"], completion),
            ("guided list", [python, "-m", "guided", "list"], env),
        ]
        subprocess.run(rows[3][1], env=env, capture_output=True, check=False)  # a first listing fills the memos
        load = os.getloadavg()[0]
        print(f"measured {datetime.date.today()}, median of {args.runs}, load average {load:.2f} before", end="")
        results = [(label, *timed(command, environ, args.runs)) for label, command, environ in rows]
        print(f", {os.getloadavg()[0]:.2f} after")
        print("| command | wall | CPU |")
        print("|---|---:|---:|")
        for label, wall, cpu in results:
            print(f"| `{label}` | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
