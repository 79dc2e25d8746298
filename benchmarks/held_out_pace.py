"""Pace on text that is not the library's: the held-out paragraphs of the tests
(tests/tts/held_out_paragraphs.txt), each a line of a script, rendered at --rate 100, 120 and 140
in an empty GUIDED_HOME; words a minute of speech over all of them, and each paragraph's own.

    python benchmarks/held_out_pace.py [--engine pyttsx3 --engine piper]

To compare with other code, run it with PYTHONPATH=OTHER_CHECKOUT from that checkout.
"""

from __future__ import annotations

import argparse
import datetime
import os
import tempfile
from pathlib import Path

PARAGRAPHS = Path(__file__).resolve().parent.parent / "tests" / "tts" / "held_out_paragraphs.txt"
HEAD = "---\ntitle: Held out\nkind: talk\nbackground: none\n---\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="append", help="pyttsx3, piper (default: both)")
    args = parser.parse_args()
    paragraphs = [line for line in PARAGRAPHS.read_text().splitlines() if line.strip()]
    print(f"measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {len(paragraphs)} paragraphs")
    for engine in args.engine or ["pyttsx3", "piper"]:
        with tempfile.TemporaryDirectory() as home:
            os.environ["GUIDED_HOME"] = home
            import guided

            for wpm in (100, 120, 140):
                session = guided.prepare(HEAD + "\n".join(paragraphs) + "\n", engine=engine, rate=wpm)
                overall = session.stats()["speaking_words_per_minute"]
                each = [len(e.text.split()) / (e.length / session.timeline.rate / 60) for e in session.timeline.speech]
                offs = [(w / wpm - 1) * 100 for w in each]
                print(f"{engine} --rate {wpm}: {overall:.1f} words a minute ({(overall / wpm - 1) * 100:+.1f} %); "
                      f"paragraphs {min(offs):+.1f} to {max(offs):+.1f} %")


if __name__ == "__main__":
    main()
