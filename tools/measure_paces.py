"""Measure the pace of the voices that packages ship and write guided/tts/paces.json, so that their
first session speaks at once and at exactly the pace asked for (guided/tts/pace.py).

    make paces      (or: python tools/measure_paces.py)

Measured: every installed Piper voice, and espeak-ng's English voices through pyttsx3 (the
calibration text is English; a voice for another language starts from the general estimate and is
corrected by the phrases of its own language). Entries are keyed by the exact engine version and
voice, so a machine with other versions never uses them. Takes a minute or two per Piper voice.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent.parent / "guided" / "tts" / "paces.json"


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ["GUIDED_HOME"] = home
        from guided.paths import paths
        from guided.tts import make_engine
        from guided.tts.pace import MEMO_NAME
        from guided.tts.piper_engine import installed_voices, piper_available

        voices = [("piper", v.name) for v in installed_voices()] if piper_available() else []
        espeak = make_engine("pyttsx3")
        voices += [("pyttsx3", v.id) for v in espeak.voices() if v.id.split("/")[-1].startswith("en")]
        for number, (engine, voice) in enumerate(voices, 1):
            print(f"[{number}/{len(voices)}] {engine} {voice}", file=sys.stderr, flush=True)
            make_engine(engine, voice).measure_pace()
        measured = json.loads((paths().cache / MEMO_NAME).read_text("utf-8"))
    SHIPPED.write_text(json.dumps(measured, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(measured)} voices' pace to {SHIPPED}", file=sys.stderr)


if __name__ == "__main__":
    main()
