"""Peak memory of a whole recorded sitting with transcription and spoken commands, as a person runs it:
`guided journal trust-questions --record --only 1,2 --silence 3s`, its microphone fed by ALSA's file
plugin with answers spoken by Piper (no sound card, no microphone).

    python benchmarks/sitting_memory.py [--runs N]

Two microphones: two short answers (a sentence each), and a long first answer (the sixteen
sentences of benchmarks/transcribe.py and one more, three times over in shuffled order: about
4.5 minutes, short pauses between sentences) then a short one. Each sitting runs once to cache its
speech, then --runs times in the same GUIDED_HOME, measured: its speech already cached, as for
anyone's second sitting, so the figure is the sitting's own (a first sitting also renders its
speech, with Piper when it is installed: printed too). Peak memory is the sitting process's resident set (ru_maxrss from wait4);
the answers are made by a child process, so nothing of Piper's memory is inherited.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import run_measured  # noqa: E402

SAID = ("I learned to trust people slowly, because my family moved so often when I was young.",
        "Today I feel grateful for my friends and for the long walk we took by the sea.")


def make_microphone(home: Path, long: bool) -> None:
    """Write home/mic.raw and home/.asoundrc (run in a child process: Piper stays out of the parent)."""
    import numpy as np
    from transcribe import SENTENCES

    from tests.spoken import int16, silence, speak

    if long:
        voices = [speak(s) for s in [SAID[0], *SENTENCES]]
        parts = [silence(0.5)]
        for cycle in range(3):
            for index in np.random.default_rng(cycle).permutation(len(voices)):
                parts += [voices[index], silence(0.6)]
    else:
        parts = [silence(0.5), speak(SAID[0])]
    parts += [silence(4.0), speak(SAID[1]), silence(20)]
    home.mkdir(parents=True, exist_ok=True)
    int16(np.concatenate(parts)).astype("<i2").tofile(home / "mic.raw")
    (home / ".asoundrc").write_text(f'pcm.!default {{ type file slave.pcm "null" file "{home}/played.raw" '
                                    f'infile "{home}/mic.raw" format "raw" }}\n')


def sitting(home: Path, guided_home: Path, log: Path) -> dict:
    env = {**os.environ, "HOME": str(home), "GUIDED_HOME": str(guided_home),
           "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    command = [sys.executable, "-m", "guided", "journal", "trust-questions", "--record", "--only", "1,2",
               "--silence", "3s"]
    result = run_measured(command, env, log)
    entries = sorted((guided_home / "journal").glob("*.md"))
    result["transcripts"] = entries[-1].read_text().count("*Transcript*") if entries else 0
    for entry in (guided_home / "journal").iterdir():  # the next sitting answers the same questions afresh
        entry.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--make", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_microphone(Path(args.make[0]), args.make[1] == "long")
        return
    print(f"{platform.node()}: {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M %Z')}, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="guided-bench-sitting-") as tmp:
        for kind in ("short", "long"):
            home, guided_home = Path(tmp) / kind, Path(tmp) / f"{kind}-guided"
            subprocess.run([sys.executable, __file__, "--make", str(home), kind], check=True)
            seconds = (home / "mic.raw").stat().st_size / 2 / 44100
            first = sitting(home, guided_home, Path(tmp) / "log")  # speech rendered and cached
            print(f"{kind} answers, first sitting (its speech rendered too): peak {first['peak_rss_mb']:.0f} MB, "
                  f"CPU {first['cpu_s']:.1f} s", flush=True)
            runs = [sitting(home, guided_home, Path(tmp) / "log") for _ in range(args.runs)]
            peaks = [r["peak_rss_mb"] for r in runs]
            print(f"{kind} answers ({seconds:.0f} s of microphone): peak {statistics.median(peaks):.0f} MB "
                  f"({', '.join(f'{p:.0f}' for p in peaks)}), CPU {statistics.median(r['cpu_s'] for r in runs):.1f} s, "
                  f"transcripts {[r['transcripts'] for r in runs]}", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
