"""Time from starting `guided journal DECK --wait` to its first sample on the sound device, cold and warm.

Like benchmarks/first_sound.py (which times `guided play`): HOME points at an ALSA configuration
whose default device is the `file` plugin, so the first bytes in its file are the first sound. The
journal's --wait needs a terminal: stdin is a pseudo-terminal nobody types in. Cold: no speech,
bell or bed cached, the voice's memos (pace, fingerprint) kept. Warm: the same sitting again.

    python benchmarks/journal_first_sound.py [--runs 3] [--checkout DIR] [DECK]

--checkout runs the `guided` package of another checkout (a "before" figure).
"""

from __future__ import annotations

import argparse
import os
import pty
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from first_sound import ENV, alsa_card, fresh_home, prepare_memos


def first_sound(deck: str, guided_home: Path, alsa: Path, checkout: Path) -> tuple[float, int]:
    """Seconds to the first bytes on the card, and how many clips the cache held then."""
    played = alsa / "played.raw"
    played.unlink(missing_ok=True)
    env = {**ENV, "HOME": str(alsa), "GUIDED_HOME": str(guided_home), "GUIDED_ENGINE": "pyttsx3"}
    leader, follower = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "guided", "journal", deck, "--wait", "-q"], env=env,
                               cwd=checkout, stdin=follower, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(follower)
    try:
        while not (played.exists() and played.stat().st_size > 0):
            if process.poll() is not None:
                raise SystemExit(f"guided journal ended before any sound: {process.stderr.read().decode()}")
            time.sleep(0.0005)
        elapsed = time.perf_counter() - start
        clips = sum(1 for _ in (guided_home / "cache").rglob("*.clip"))
    finally:
        process.kill()
        process.wait()
        os.close(leader)
    return elapsed, clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("deck", nargs="?", default="trust-questions")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--checkout", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="guided-journal-bench-"))
    try:
        alsa = alsa_card(work)
        memos = prepare_memos(args.deck, "pyttsx3", work, cwd=args.checkout)
        cold, warm = [], []
        for run in range(args.runs):
            home = fresh_home(memos, work / f"home-{run}")
            cold.append(first_sound(args.deck, home, alsa, args.checkout))
            # Warm: let the cold run's rendering be finished first, untimed.
            subprocess.run([sys.executable, "-m", "guided", "export", args.deck, "-o", str(work / "x.wav")],
                           cwd=args.checkout, env={**ENV, "GUIDED_HOME": str(home), "GUIDED_ENGINE": "pyttsx3"},
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            warm.append(first_sound(args.deck, home, alsa, args.checkout))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"guided journal {args.deck} --wait ({args.checkout}): time to first sound, median of {args.runs}")
    for name, rows in (("cold", cold), ("warm", warm)):
        seconds = [round(s, 3) for s, _ in rows]
        print(f"  {name}: {statistics.median(seconds):.3f}s  runs {seconds}  clips cached at first sound "
              f"{[c for _, c in rows]}")
    print(f"  load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
