"""Every benchmark in this folder, one after the other, then a short summary: what `make benchmark` runs.

    python benchmarks/run.py [--only export first_sound batch piper] [--minutes 10 30] [--repeat 3]

Each benchmark runs as its own process with --json (piper_speed and startup print text), with this checkout
first on PYTHONPATH, so a failure in one is reported and the others still run. They take a while on a small machine: export (the longest,
see export.py) about 20 minutes on two idle cores at its default lengths and rounds (33 minutes at a
load average of 6 to 10), batch a few minutes, the others about a minute.
Piper is skipped when piper-tts is not installed. Exit status 1 if any benchmark failed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("export", "first_sound", "batch", "piper", "startup")


def checkout_env() -> dict:
    """The environment with this checkout first on PYTHONPATH: the guided measured is the one beside
    these benchmarks, even when another copy is installed."""
    path = os.pathsep.join(p for p in (str(HERE.parent), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def run(name: str, args: list[str]) -> tuple[str, float]:
    """The benchmark's stdout; its progress goes straight to our stderr."""
    script = HERE / f"{'piper_speed' if name == 'piper' else name}.py"
    print(f"== {name}: {script.name} {' '.join(args)}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(script), *args], stdout=subprocess.PIPE, text=True, env=checkout_env())
    elapsed = time.perf_counter() - started
    # export.py exits with 3 when its fair pipeline did not do the same work: its figures still stand.
    if done.returncode != 0 and not (name == "export" and done.returncode == 3):
        raise RuntimeError(f"{script.name} exited with status {done.returncode}\n{done.stdout.strip()[-2000:]}")
    return done.stdout, elapsed


def summarise(name: str, output: str) -> list[str]:
    if name in ("piper", "startup"):
        return [line.strip() for line in output.strip().splitlines()]
    result = json.loads(output)
    if name == "export":
        lines = []
        for row in result["results"]:
            lines.append(f"{row['minutes']:g} min {row['label']:<16} CPU {row['cpu_s']['median']:6.1f} s "
                         f"({row['cpu_vs_guided']:.2f}x guided), wall {row['wall_s']['median']:6.1f} s, "
                         f"peak {row['peak_rss_mb']['median']:5.0f} MB, {row['integrated_lufs']} LUFS")
        for check in result["same_work"]:
            lines.append(f"{check['minutes']:g} min: the fair pydub pipeline "
                         f"{'does' if check['same'] else 'does NOT do'} the same work as guided "
                         f"({', '.join(f'{k} {v:+g}' for k, v in check['differences'].items() if v is not None)})")
        return lines + [f"note: {n}" for n in result["notes"]]
    if name == "first_sound":
        return [f"time to first sound, median of {result['runs']}: cold {result['cold_median_s']:.2f} s, "
                f"warm {result['warm_median_s']:.2f} s"]
    one, many = result["runs"]
    return [f"{result['sessions']} sessions, {one['audio_minutes']} min of audio: --jobs 1 {one['wall_s']:.0f} s, "
            f"--jobs {many['jobs']} {many['wall_s']:.0f} s ({result['speedup']:.2f}x); "
            f"rerun {result['rerun']['wall_s']:.1f} s, {result['rerun']['exported']} exported"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=ORDER, default=list(ORDER), metavar="NAME",
                        help=f"run only these ({', '.join(ORDER)})")
    parser.add_argument("--minutes", nargs="+", metavar="N", help="export: session lengths (default: export.py's)")
    parser.add_argument("--repeat", metavar="N", help="export: rounds of every row (default: export.py's)")
    args = parser.parse_args()
    arguments = {
        "export": ["--json", *(["--minutes", *args.minutes] if args.minutes else []),
                   *(["--repeat", args.repeat] if args.repeat else [])],
        "first_sound": ["--json", "--runs", "3"],
        "batch": ["--json"],
        "piper": [],
        "startup": [],
    }
    summary, failed = [], []
    for name in (n for n in ORDER if n in args.only):
        if name == "piper" and importlib.util.find_spec("piper") is None:
            summary.append((name, 0.0, ["skipped: piper-tts is not installed"]))
            continue
        try:
            output, elapsed = run(name, arguments[name])
            summary.append((name, elapsed, summarise(name, output)))
        except (RuntimeError, ValueError, KeyError) as problem:
            failed.append(name)
            summary.append((name, 0.0, [f"FAILED: {problem}"]))
    print("\nBenchmark summary")
    for name, elapsed, lines in summary:
        print(f"\n{name}" + (f" ({elapsed:.0f} s)" if elapsed else ""))
        for line in lines:
            print(f"  {line}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
