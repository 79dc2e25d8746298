"""Time from pressing enter to the first sample reaching the sound device, warm and cold.

`guided play` runs with HOME pointing at an ALSA configuration whose default device is the `file`
plugin, so the moment the first bytes land in its file is the moment sound would leave the speakers.
Cold: an empty GUIDED_HOME (no speech, bell or bed cached). Warm: the same session played before.
The interpreter's own start is included, as a user would feel it.

    python benchmarks/first_sound.py [--runs 5] [SESSION]
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


def first_sound(session: str, guided_home: Path, alsa_home: Path, engine: str) -> float:
    played = alsa_home / "played.raw"
    played.unlink(missing_ok=True)
    env = {**os.environ, "HOME": str(alsa_home), "GUIDED_HOME": str(guided_home), "GUIDED_ENGINE": engine}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "guided", "play", session, "-q"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while True:
        if played.exists() and played.stat().st_size > 0:
            elapsed = time.perf_counter() - start
            break
        if process.poll() is not None:
            raise SystemExit(f"guided play ended before any sound: {process.stderr.read().decode()}")
        time.sleep(0.0005)
    process.kill()
    process.wait()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("session", nargs="?", default="heart-breathing")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--engine", default="pyttsx3", choices=["pyttsx3", "piper"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="guided-bench-"))
    alsa = work / "alsa"
    alsa.mkdir()
    (alsa / "mic.raw").write_bytes(b"")
    (alsa / ".asoundrc").write_text(
        f'pcm.!default {{ type file slave.pcm "null" file "{alsa}/played.raw" infile "{alsa}/mic.raw" format "raw" }}\n'
    )
    cold, warm = [], []
    try:
        for run in range(args.runs):
            home = work / f"home-{run}"
            cold.append(first_sound(args.session, home, alsa, args.engine))
            warm.append(first_sound(args.session, home, alsa, args.engine))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "session": args.session,
        "engine": args.engine,
        "runs": args.runs,
        "cold_median_s": round(statistics.median(cold), 3),
        "warm_median_s": round(statistics.median(warm), 3),
        "cold_s": [round(x, 3) for x in cold],
        "warm_s": [round(x, 3) for x in warm],
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"guided play {args.session} --engine {args.engine}: time to first sound, interpreter start included "
          f"({args.runs} runs)")
    print(f"  cold (empty cache): median {result['cold_median_s']:.3f} s  {result['cold_s']}")
    print(f"  warm (cached):      median {result['warm_median_s']:.3f} s  {result['warm_s']}")


if __name__ == "__main__":
    main()
