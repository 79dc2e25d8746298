"""Batch export benchmark: `guided export --all` with one worker against several, and an incremental rerun.

    python benchmarks/batch.py [--target ID|SERIES] [--format mp3] [--jobs 2] [--keep DIR] [--json]

In a fresh GUIDED_HOME it first renders every session's speech (untimed: `guided show` for each,
which fills the speech and sound caches), then times, one after the other and into fresh folders:

* `guided export --all OUT1 --jobs 1`
* `guided export --all OUT2 --jobs N` (N from --jobs, default 2)
* `guided export --all OUT2 --jobs N` again: nothing changed, so it should export nothing

and prints the wall and CPU times (CPU of the whole process tree: Python workers and ffmpeg), the
speed-up (jobs 1 time / jobs N time) and how many files the rerun exported. One export already keeps
more than one core busy (the mixer in Python, the encoder in ffmpeg), so the speed-up is bounded by
the cores left over. The speech engine is pinned to pyttsx3 (espeak-ng) unless --engine says otherwise. On a
shared or busy machine the times, and so the ratio, are noisy: the load average is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def guided(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "guided", *args], capture_output=True, text=True, env=env)


def timed_export(target: str | None, out: Path, jobs: int, fmt: str, env: dict) -> dict:
    args = [*([target] if target else []), "--all", str(out), "--jobs", str(jobs), "--format", fmt, "--json", "-q"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = guided("export", *args, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"guided export {' '.join(args)} failed: {result.stderr}")
    summary = json.loads(result.stdout)
    audio = sum(s["seconds"] for s in summary["sessions"])
    return {"jobs": jobs, "wall_s": round(wall, 2), "cpu_s": round(cpu, 1), "cores_busy": round(cpu / wall, 2),
            "exported": summary["exported"],
            "up_to_date": summary["up_to_date"], "audio_minutes": round(audio / 60, 1)}


def run(args) -> dict:
    if shutil.which("ffmpeg") is None or shutil.which("espeak-ng") is None:
        raise SystemExit("this benchmark needs ffmpeg and espeak-ng on PATH")
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="guided-batch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GUIDED_HOME": str(work / "home"), "GUIDED_ENGINE": args.engine}
    env.pop("GUIDED_DEBUG", None)
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        os.environ["GUIDED_HOME"] = env["GUIDED_HOME"]  # the same library the timed commands see
        from guided.batch import jobs as batch

        ids = [e.id for e in batch.select(args.target).files]
        print(f"warming the speech cache for {len(ids)} sessions (untimed)", file=sys.stderr)
        started = time.perf_counter()
        for session_id in ids:
            result = guided("show", session_id, "--json", env=env)
            if result.returncode != 0:
                raise SystemExit(f"guided show {session_id} failed: {result.stderr}")
        warm = time.perf_counter() - started
        rows = []
        for jobs, folder in ((1, "out-jobs1"), (args.jobs, "out-jobsN")):
            shutil.rmtree(work / folder, ignore_errors=True)
            print(f"timing --jobs {jobs}", file=sys.stderr)
            rows.append(timed_export(args.target, work / folder, jobs, args.format, env))
        print("timing the rerun (nothing changed)", file=sys.stderr)
        rerun = timed_export(args.target, work / "out-jobsN", args.jobs, args.format, env)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return {
        "target": args.target or "the whole library",
        "sessions": len(ids),
        "format": args.format,
        "engine": args.engine,
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "warm_up_s": round(warm, 1),
        "runs": rows,
        "speedup": round(rows[0]["wall_s"] / rows[1]["wall_s"], 2),
        "rerun": rerun,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", metavar="ID|SERIES|FOLDER", help="what to export (default: the whole library)")
    parser.add_argument("--format", default="mp3", help="audio format (default: mp3)")
    parser.add_argument("--jobs", type=int, default=2, help="workers for the parallel run (default: 2)")
    parser.add_argument("--engine", default="pyttsx3", help="speech engine (default: pyttsx3)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the outputs")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    result = run(args)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    one, many = result["runs"]
    print(f"\nBatch export of {result['target']} ({result['sessions']} sessions, {one['audio_minutes']} min of audio, "
          f"{result['format']}); {result['cpus']} CPUs, load average at the end {result['load_average_at_end'][0]:.2f}")
    for row in (one, many):
        print(f"  --jobs {row['jobs']}: {row['wall_s']:.1f} s wall, {row['cpu_s']:.1f} s CPU "
              f"({row['cores_busy']:.2f} cores busy on average; {row['exported']} exported)")
    print(f"  speed-up: {result['speedup']:.2f}x")
    rerun = result["rerun"]
    print(f"  rerun, nothing changed: {rerun['wall_s']:.1f} s, {rerun['exported']} exported, {rerun['up_to_date']} up to date")


if __name__ == "__main__":
    main()
