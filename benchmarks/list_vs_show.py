"""One length: what `guided list` says of every built-in session before any speech is rendered
(an empty GUIDED_HOME, the voice's pace as shipped or estimated), against what `guided show`
gives once it is rendered, for each engine.

    python benchmarks/list_vs_show.py [--engine pyttsx3 --engine piper] [--rate 120]

Each engine runs in a fresh GUIDED_HOME of its own (a temporary folder), in this process: the
listing first, then every session prepared (rendered) as `show` does it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import tempfile


def measure(engine: str, rate: int | None) -> list[tuple[str, float, float]]:
    import guided

    choices = {"engine": engine, "background": None} | ({"rate": rate} if rate else {})
    choices = {k: v for k, v in choices.items() if v is not None}
    listed = {s.id: s for s in guided.library().sessions(**choices)}
    assert all(s.estimated for s in listed.values()), "the cache was not empty"
    rows = []
    for session_id, info in listed.items():
        shown = guided.prepare(session_id, **choices).seconds
        rows.append((session_id, float(info.seconds), shown))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="append", help="pyttsx3, piper (default: both)")
    parser.add_argument("--rate", type=int, default=None, help="words a minute (default: the configured pace)")
    args = parser.parse_args()
    engines = args.engine or ["pyttsx3", "piper"]
    results = {}
    for engine in engines:
        with tempfile.TemporaryDirectory() as home:
            os.environ["GUIDED_HOME"] = home
            results[engine] = measure(engine, args.rate)
    print(f"measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, rate {args.rate or 'default'}")
    print("| session | " + " | ".join(f"{e} list | {e} show | {e} off" for e in engines) + " |")
    print("|---|" + "---:|---:|---:|" * len(engines))
    for index, (session_id, *_rest) in enumerate(results[engines[0]]):
        cells = []
        for engine in engines:
            _, listed, shown = results[engine][index]
            cells.append(f"{listed:.0f} s | {shown:.0f} s | {(listed / shown - 1) * 100:+.1f} %")
        print(f"| {session_id} | " + " | ".join(cells) + " |")
    for engine in engines:
        offs = [abs(listed / shown - 1) * 100 for _, listed, shown in results[engine]]
        print(f"{engine}: largest difference {max(offs):.2f} %, mean {sum(offs) / len(offs):.2f} % over {len(offs)} sessions")


if __name__ == "__main__":
    main()
