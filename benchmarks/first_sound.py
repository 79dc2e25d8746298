"""Time from pressing enter to the first sample reaching the sound device, per engine, warm and cold.

`guided play` runs with HOME pointing at an ALSA configuration whose default device is the `file`
plugin, so the moment the first bytes land in its file is the moment sound would leave the speakers.
First-ever: an empty GUIDED_HOME, as on a brand-new install (nothing cached, no memo of any voice).
Cold: no speech, bell or bed cached, but the voice's memos (pace.json, voice-fingerprints.json)
kept, as on any machine where that voice has spoken once: a cold start is a new session, not a new
voice. Warm: the same session played before. The interpreter's own start is included, as a user
would feel it; `python -c "import numpy"` is timed too, as the yardstick of what any start costs.
CPU time is the process's user + system time up to the first sample (from /proc, 10 ms ticks).

    python benchmarks/first_sound.py [--runs 5] [--engine pyttsx3 --engine piper] [--warm-only]
                                     [--tree CHECKOUT] [SESSION]

--tree runs guided from another checkout (an older commit's worktree, say): the same rows, for a
side-by-side comparison in one sitting.

Each row is the median of --runs runs (cold and warm alternate, each cold run in a fresh home), with
the machine's load average before and after: wall time on a busy machine says more about the
machine than about guided, CPU time less so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
# An installed package has its bytecode: let the runs write and use it, as a user's start would.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
MEMOS = ("pace.json", "voice-fingerprints.json")


def cpu_seconds(pid: int) -> float:
    """User + system time of a live process and of the children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICK


def first_sound(session: str, guided_home: Path, alsa_home: Path, engine: str) -> tuple[float, float]:
    """Wall and CPU seconds from starting `guided play` to its first bytes on the sound card."""
    played = alsa_home / "played.raw"
    played.unlink(missing_ok=True)
    env = {**ENV, "HOME": str(alsa_home), "GUIDED_HOME": str(guided_home), "GUIDED_ENGINE": engine}
    guided_home.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "guided", "play", session, "-q"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while True:
        if played.exists() and played.stat().st_size > 0:
            elapsed = time.perf_counter() - start
            cpu = cpu_seconds(process.pid)
            break
        if process.poll() is not None:
            raise SystemExit(f"guided play ended before any sound: {process.stderr.read().decode()}")
        time.sleep(0.0005)
    process.kill()
    process.wait()
    return elapsed, cpu


def yardstick() -> tuple[float, float]:
    """Wall and CPU seconds of `python -c "import numpy"`."""
    start = time.perf_counter()
    pid = os.spawnve(os.P_NOWAIT, sys.executable, [sys.executable, "-c", "import numpy"], ENV)
    _, _, usage = os.wait4(pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def alsa_card(work: Path) -> Path:
    """A HOME whose ALSA default device writes what it plays to played.raw (and records from an
    empty mic.raw): the moment its first bytes land is the moment sound would leave the speakers."""
    alsa = work / "alsa"
    alsa.mkdir()
    (alsa / "mic.raw").write_bytes(b"")
    (alsa / ".asoundrc").write_text(
        f'pcm.!default {{ type file slave.pcm "null" file "{alsa}/played.raw" infile "{alsa}/mic.raw" format "raw" }}\n'
    )
    return alsa


def prepare_memos(session: str, engine: str, work: Path, cwd: Path | None = None) -> Path:
    """A home where the voice has been measured once (its pace and fingerprint), with no clips;
    `cwd`: the checkout whose guided runs (default: the installed one)."""
    home = work / f"memo-{engine}"
    env = {**ENV, "GUIDED_HOME": str(home), "GUIDED_ENGINE": engine}
    subprocess.run([sys.executable, "-m", "guided", "show", session, "--json"], env=env, check=True,
                   stdout=subprocess.DEVNULL, cwd=cwd)
    return home / "cache"


def fresh_home(memos: Path, path: Path) -> Path:
    (path / "cache").mkdir(parents=True)
    for name in MEMOS:
        if (memos / name).is_file():
            shutil.copyfile(memos / name, path / "cache" / name)
    return path


def summary(pairs: list[tuple[float, float]]) -> dict:
    return {
        "wall_median_s": round(statistics.median(w for w, _ in pairs), 3),
        "cpu_median_s": round(statistics.median(c for _, c in pairs), 3),
        "wall_s": [round(w, 3) for w, _ in pairs],
        "cpu_s": [round(c, 3) for _, c in pairs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("session", nargs="?", default="heart-breathing")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--warm-only", action="store_true",
                        help="only the warm rows: the speech is rendered once, untimed, then played --runs times")
    parser.add_argument("--engine", action="append", choices=["pyttsx3", "piper"],
                        help="repeat for several (default: both)")
    parser.add_argument("--tree", type=Path, help="run guided from this checkout instead of the installed one")
    args = parser.parse_args()
    if args.tree:  # `python -m guided` imports from the working folder first
        ENV["PYTHONPATH"] = str(args.tree.resolve())
        os.chdir(args.tree)
    engines = args.engine or ["pyttsx3", "piper"]
    work = Path(tempfile.mkdtemp(prefix="guided-bench-"))
    alsa = alsa_card(work)
    rows: dict[str, dict] = {}
    load_before = os.getloadavg()
    try:
        rows["python -c 'import numpy'"] = summary([yardstick() for _ in range(args.runs)])
        for engine in engines:
            memos = prepare_memos(args.session, engine, work)
            first, cold, warm = [], [], []
            for run in range(args.runs):
                if args.warm_only:  # the memo home has rendered everything already
                    warm.append(first_sound(args.session, memos.parent, alsa, engine))
                    continue
                first.append(first_sound(args.session, work / f"new-{engine}-{run}", alsa, engine))
                home = fresh_home(memos, work / f"home-{engine}-{run}")
                cold.append(first_sound(args.session, home, alsa, engine))
                warm.append(first_sound(args.session, home, alsa, engine))
            if first:
                rows[f"{engine} first-ever"] = summary(first)
            if cold:
                rows[f"{engine} cold"] = summary(cold)
            rows[f"{engine} warm"] = summary(warm)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # Other work on the machine stretches wall time most: say how busy it was, before and after.
    load = {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()]}
    if args.json:
        print(json.dumps({"session": args.session, "runs": args.runs, "load_average": load, "rows": rows}, indent=2))
        return
    print(f"guided play {args.session}: time to first sound, interpreter start included, "
          f"median of {args.runs} runs")
    print(f"  {'':<26} {'wall':>8} {'cpu':>8}   wall of each run")
    for name, row in rows.items():
        print(f"  {name:<26} {row['wall_median_s']:>7.3f}s {row['cpu_median_s']:>7.3f}s   {row['wall_s']}")
    print(f"  load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in load['before'])} before, "
          f"{', '.join(f'{x:.2f}' for x in load['after'])} after; {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
