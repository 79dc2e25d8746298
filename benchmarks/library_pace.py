"""The library's pace and silence, as the README's table gives them, from the rendered speech.

For each built-in session and each engine: the speaking pace (words over seconds of speech, pauses
not counted) and the share of the session that is silence, bells and time to reflect, at the
default pace. Speech is rendered (or read from the clip cache) exactly as `guided show ID --json`
does; nothing is estimated.

    python benchmarks/library_pace.py [--engine pyttsx3 --engine piper] [--rate 120]
"""

from __future__ import annotations

import argparse
import datetime

import guided


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="append", help="pyttsx3, piper (default: both)")
    parser.add_argument("--rate", type=int, default=None, help="words a minute (default: the configured pace)")
    args = parser.parse_args()
    engines = args.engine or ["pyttsx3", "piper"]
    rows: dict[str, dict[str, tuple[float, float]]] = {}
    for info in guided.library().sessions():
        for engine in engines:
            choices = {"engine": engine} | ({"rate": args.rate} if args.rate else {})
            stats = guided.prepare(info.id, **choices).stats()
            rows.setdefault(info.id, {})[engine] = (stats["speaking_words_per_minute"], stats["silence_share"])
    print(f"measured {datetime.date.today()}, engines: {', '.join(engines)}")
    print("| session | " + " | ".join(f"{e} wpm | {e} silence" for e in engines) + " |")
    print("|---|" + "---:|---:|" * len(engines))
    for session, by_engine in rows.items():
        cells = " | ".join(f"{by_engine[e][0]:.0f} | {by_engine[e][1] * 100:.0f} %" for e in engines)
        print(f"| {session} | {cells} |")


if __name__ == "__main__":
    main()
