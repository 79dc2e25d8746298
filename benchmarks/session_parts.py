"""A prepared session taken apart into plain files, so that a pydub pipeline can build the same mix.

    python benchmarks/session_parts.py SCRIPT FOLDER --minutes M [--engine NAME] [--rate WPM]

Prepares SCRIPT exactly as `guided export SCRIPT --minutes M --engine NAME --rate WPM` does (same
GUIDED_HOME, so the same cached speech), then writes into FOLDER:

* clips/NNN.wav   each distinct phrase as guided's mixer reads it: the clip cache's samples,
                  resampled to the session's rate (mono);
* bells/NN.wav    each bell the session rings, 44.1 kHz stereo;
* bed.wav         one loop of the background bed, 44.1 kHz stereo (absent without a bed);
* plan.json       where everything goes (in samples), the session's length, and the mix settings
                  (loudness target, peak ceiling, duck depth and ramps, bed fades, relative levels).

This is untimed preparation for benchmarks/export.py: it reads guided's library, and nothing here
is measured.
"""

from __future__ import annotations

import argparse
import json
import wave
from pathlib import Path

import numpy as np


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    """float in -1..1, or int16, shaped (frames,) or (frames, channels) → 16-bit WAV."""
    samples = np.asarray(samples)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.dtype != np.int16:
        samples = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1])
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(np.ascontiguousarray(samples, dtype="<i2").tobytes())


def dump(script: str, folder: Path, minutes: float | None, engine: str, rate_wpm: int) -> dict:
    from guided.audio import mixer
    from guided.options import SessionOptions
    from guided.session.prepared import prepare

    session = prepare(script, options=SessionOptions(engine=engine, rate_wpm=rate_wpm, minutes=minutes))
    s, timeline = session.settings, session.timeline
    folder.mkdir(parents=True, exist_ok=True)

    clips: dict[str, str] = {}
    speech = []
    for event in timeline.speech:
        clip = event.clip
        if clip.key not in clips:
            name = f"clips/{len(clips):03d}.wav"
            write_wav(folder / name, session.mixer.clips.get(clip), s.rate)
            clips[clip.key] = name
        speech.append({"start": event.start, "clip": clips[clip.key], "text": event.text})

    bells = {}  # the bell's name (None for the default bell) → its file
    for name, samples in session.mixer.bells.items():
        bells[name] = f"bells/{len(bells):02d}.wav"
        write_wav(folder / bells[name], samples, s.rate)
    bed = None
    if session.mixer.bed is not None:
        bed = "bed.wav"
        write_wav(folder / bed, session.mixer.bed.samples, s.rate)

    plan = {
        "rate": s.rate,
        "channels": s.channels,
        "frames": timeline.total,
        "speech": speech,
        "bells": [{"start": e.start, "bell": bells[e.bell]} for e in timeline.bells],
        "bed": bed,
        "mix": {
            "loudness_lufs": s.loudness,
            "ceiling_db": s.ceiling_db,
            "voice_db": s.voice_db,
            "background_db": s.background_db,
            "bell_db": s.bell_db,
            "bed_below_voice_lu": s.bed_below_voice_lu,
            "bell_below_voice_lu": s.bell_below_voice_lu,
            "bell_peak_margin_db": mixer.BELL_PEAK_MARGIN_DB,
            "duck_db": s.duck_db,
            "duck_attack_ms": mixer.DUCK_ATTACK_MS,
            "duck_release_ms": mixer.DUCK_RELEASE_MS,
            "duck_merge_ms": mixer.DUCK_MERGE_MS,
            "fade_ms": s.fade_ms,
            "limit_window_ms": mixer.LIMIT_WINDOW_MS,
        },
    }
    (folder / "plan.json").write_text(json.dumps(plan, indent=1))
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("script")
    parser.add_argument("folder")
    parser.add_argument("--minutes", type=float)
    parser.add_argument("--engine", default="pyttsx3")
    parser.add_argument("--rate", type=int, default=135)
    args = parser.parse_args()
    plan = dump(args.script, Path(args.folder), args.minutes, args.engine, args.rate)
    print(json.dumps({"frames": plan["frames"], "rate": plan["rate"], "speech": len(plan["speech"]),
                      "bells": len(plan["bells"])}))


if __name__ == "__main__":
    main()
