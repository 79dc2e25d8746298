"""How well spoken commands are heard in a recorded sitting, and how quickly the sitting acts.

Every command phrase below is spoken by two voices (Piper's joe and espeak-ng), clean and over
steady pink noise 20 dB under the voice, and fed through the sitting's own path: the microphone's
speech gate (Silero, as in a sitting), the first short utterance cut out, the Whisper model of the
transcripts writing it down, and the match against the commands (guided/journal/commands.py).
Answers that hold command words ("Next time I will ask...") go through the same path and must
stay answers. The sitting writes an utterance down after COMMAND_HEARD_AFTER_SECONDS of quiet and
acts when the quiet reaches COMMAND_PAUSE_SECONDS, so the time from the end of an utterance to the
action is the longer of the pause and the early moment plus the recogniser's CPU time (measured per
utterance; the recording goes on being read meanwhile).

With --wide it also hears every phrase the commands accept, and short answers that sound like
commands or begin with them ("Skip school.", "Pasta."), in five voices (Piper at two speeds and
espeak-ng in three), clean: voices and words the recogniser was not tuned on.

    python benchmarks/spoken_commands.py [--wide] [--json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from math import gcd
from pathlib import Path

import numpy as np

RATE = 44100
SPEECH_RMS = 0.1
NOISE_DB = -20.0

COMMANDS = {
    "stop": ["Stop.", "That's all for today.", "End the session.", "Let's stop here."],
    "skip": ["Skip.", "Next question, please.", "Pass.", "Skip this one."],
    "repeat": ["Repeat.", "Say that again.", "Could you repeat that?", "Repeat the question."],
    "more time": ["More time.", "Wait.", "Give me a moment.", "I need more time."],
    "pause": ["Pause.", "Let's pause."],
    "go on": ["Go on.", "Continue."],
}
ANSWERS = [
    "Next time I will ask for help sooner.",
    "I skip meals when I am anxious, and then I wait.",
    "Again and again, I test the people I love.",
    "I want to stop pushing people away.",
    "Wait. I think it started when I was at school.",
    "Pause before reacting, that is what I am learning.",
    "My father always said stop crying.",
    "Give me a reason to trust you, I used to think.",
    "More time with my sister would help.",
    "I pass the blame onto myself too quickly.",
    "Repeat after me, I am allowed to be careful.",
    "Continue to keep small promises to myself.",
    "Moving on was never easy for me.",
    "Stop and breathe, I tell myself, but it is hard.",
    "Go on walks when the worry gets loud.",
    "That is all I can say about it for now.",
    "Next to my grandmother I always felt safe.",
    "Skipping the hard conversations has cost me friends.",
    "Say that again and I will believe you, I think.",
    "I need a moment alone before I can talk.",
]


def to_rate(samples: np.ndarray, rate: int) -> np.ndarray:
    from scipy.signal import resample_poly

    g = gcd(rate, RATE)
    audio = resample_poly(samples.astype(np.float64) / 32768, RATE // g, rate // g)
    voiced = audio[np.abs(audio) > 0.01]
    return audio * (SPEECH_RMS / np.sqrt(np.mean(voiced**2)))


def piper_voice(wpm: int = 150):
    from guided.tts.piper_engine import PiperEngine

    engine = PiperEngine(rate_wpm=wpm)
    return lambda text: to_rate(*engine.render_at(text, engine.length_scale))  # one steady pace, as a person


SHORT_ANSWERS = [
    "Next week.", "Not yet.", "My mother.", "Stop it.", "Skip school.", "Wait for me.", "Again, my father.",
    "Too much.", "Pasta.", "Passion.", "Pause and breathe.", "Nothing.", "Maybe.", "Continue what?",
    "Repeat offenders.", "More than once.", "Hold on to me.", "The next day.", "Just in time.", "Resume writing.",
    "Finished school early.", "Stopping is hard.", "The pause before.", "Ready to trust.", "Past it.",
    "Passed over.", "Steps.", "Force of habit.", "A moment ago.", "Say it again, Sam.", "Wait and see.",
    "Next to nothing.", "Stop and go.", "Pardon me, I mean my sister.", "Enough for now.", "I'm not ready.",
    "Go away.", "Once upon a time.", "Keep going, he said.", "Hold on tight.",
]


def espeak_voice(variant: str | None = None, wpm: int = 175):
    def say(text: str) -> np.ndarray:
        voice = ["-v", variant] if variant else []
        wav = subprocess.run(["espeak-ng", *voice, "-s", str(wpm), "--stdout", text], capture_output=True,
                             check=True).stdout
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", "-", "-f", "s16le", "-ac", "1", "-ar", "22050", "-"],
                             input=wav, capture_output=True, check=True).stdout
        return to_rate(np.frombuffer(raw, dtype="<i2"), 22050)

    return say


def pink(frames: int, rms: float, seed: int) -> np.ndarray:
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(frames))
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, frames)
    return noise * (rms / np.sqrt(np.mean(noise**2)))


class Microphone:
    """The sound of one utterance, as a sitting's microphone gives it."""

    def __init__(self, sound: np.ndarray) -> None:
        self.rate = RATE
        self.sound = sound
        self.position = 0

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def read(self, frames: int) -> np.ndarray:
        chunk = self.sound[self.position: self.position + frames]
        self.position += frames
        return chunk if len(chunk) == frames else np.zeros(frames, dtype=np.int16)


def heard(voice_audio: np.ndarray, noisy: bool, seed: int, hear, folder: Path):
    """What the sitting's path makes of one utterance: (command or None, recogniser CPU seconds)."""
    from guided.journal.microphone import record_answer

    audio = np.concatenate([np.zeros(RATE // 2), voice_audio, np.zeros(3 * RATE)])
    if noisy:
        audio = audio + pink(len(audio), SPEECH_RMS * 10 ** (NOISE_DB / 20), seed)
    samples = np.clip(np.round(audio * 32768), -32768, 32767).astype("<i2")
    result = record_answer(folder / "utterance.wav", microphone=Microphone(samples), silence_seconds=2.0,
                           hear=hear)
    command = result.heard.command if result.ended_by == "command" else None
    return command, (result.heard.cpu_seconds if result.heard else None), (result.heard.text if result.heard else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--wide", action="store_true", help="also every phrase and near-misses, in five voices")
    args = parser.parse_args()
    from guided.journal.commands import Recogniser
    from guided.journal.microphone import COMMAND_HEARD_AFTER_SECONDS, COMMAND_PAUSE_SECONDS
    from guided.journal.whisper_engine import SharedModel
    from guided.journal.whisper_models import find_model

    model = find_model()
    hear = Recogniser(SharedModel(model, max(1, (os.cpu_count() or 2) - 1)))  # as a sitting's, one core
    voices = {"piper": piper_voice(), "espeak-ng": espeak_voice()}
    rows, misses, false_commands, cpu = [], [], [], []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        hear(np.zeros(RATE // 2, dtype=np.int16), RATE)  # the model loads once, untimed, as a sitting's first question does
        seed = 0
        for voice, say in voices.items():
            for noisy in (False, True):
                right = total = 0
                for command, phrases in COMMANDS.items():
                    for phrase in phrases:
                        seed += 1
                        found, seconds, text = heard(say(phrase), noisy, seed, hear, Path(folder))
                        total += 1
                        right += found == command
                        if seconds is not None:
                            cpu.append(seconds)
                        if found != command:
                            misses.append(f"{voice}{' +noise' if noisy else ''}: {phrase!r} heard as {text!r}")
                wrong = 0
                for sentence in ANSWERS:
                    seed += 1
                    found, seconds, text = heard(say(sentence), noisy, seed, hear, Path(folder))
                    if seconds is not None:
                        cpu.append(seconds)
                    if found is not None:
                        wrong += 1
                        false_commands.append(f"{voice}{' +noise' if noisy else ''}: {sentence!r} taken for {found}")
                rows.append({"voice": voice, "noise": f"{NOISE_DB:g} dB" if noisy else "none", "commands": total,
                             "recognised": right, "answers": len(ANSWERS), "taken_for_commands": wrong})
        wide = wide_rows(hear, Path(folder)) if args.wide else None
    result = {
        "date": str(datetime.date.today()), "model": model.name, "load_before": load, "load_after": os.getloadavg()[0],
        "rows": rows, "misses": misses, "false_commands": false_commands,
        "pause_seconds": COMMAND_PAUSE_SECONDS, "heard_after_seconds": COMMAND_HEARD_AFTER_SECONDS,
        "recogniser_cpu_seconds": {"median": statistics.median(cpu), "max": max(cpu), "count": len(cpu)},
        "end_to_action_seconds": {
            "median": max(COMMAND_PAUSE_SECONDS, COMMAND_HEARD_AFTER_SECONDS + statistics.median(cpu)),
            "max": max(COMMAND_PAUSE_SECONDS, COMMAND_HEARD_AFTER_SECONDS + max(cpu))},
    }
    if wide is not None:
        result["wide"] = wide
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        return
    commands_total = sum(r["commands"] for r in rows)
    answers_total = sum(r["answers"] for r in rows)
    print(f"measured {result['date']} with {model.name}, load average {load:.2f} before, "
          f"{result['load_after']:.2f} after")
    print("| voice | noise | commands recognised | answers taken for commands |")
    print("|---|---|---:|---:|")
    for r in rows:
        print(f"| {r['voice']} | {r['noise']} | {r['recognised']}/{r['commands']} | "
              f"{r['taken_for_commands']}/{r['answers']} |")
    right = sum(r["recognised"] for r in rows)
    wrong = sum(r["taken_for_commands"] for r in rows)
    c = result["recogniser_cpu_seconds"]
    print(f"\nall: {right}/{commands_total} commands ({100 * right / commands_total:.1f} %), "
          f"{wrong}/{answers_total} answers taken for commands ({100 * wrong / answers_total:.1f} %)")
    a = result["end_to_action_seconds"]
    print(f"recogniser CPU median {c['median']:.2f} s, max {c['max']:.2f} s (over {c['count']} utterances heard), "
          f"from {COMMAND_HEARD_AFTER_SECONDS:.1f} s into the quiet")
    print(f"utterance end to action: median {a['median']:.2f} s, max {a['max']:.2f} s "
          f"(the action waits for {COMMAND_PAUSE_SECONDS:.1f} s of quiet)")
    for line in misses + false_commands:
        print(f"  {line}")
    if wide is not None:
        print("\n| voice | every phrase recognised | short answers taken for commands |")
        print("|---|---:|---:|")
        for r in wide["rows"]:
            print(f"| {r['voice']} | {r['recognised']}/{r['phrases']} | {r['taken_for_commands']}/{r['answers']} |")
        for line in wide["misses"] + wide["false_commands"]:
            print(f"  {line}")


def wide_rows(hear, folder: Path) -> dict:
    """Every accepted phrase and the short answers, clean, in five voices."""
    from guided.journal.commands import PHRASES

    voices = {"piper 150 wpm": piper_voice(150), "piper 120 wpm": piper_voice(120),
              "espeak-ng en-us": espeak_voice(), "espeak-ng en-gb+f3": espeak_voice("en-gb+f3", 150),
              "espeak-ng en-us+m3 190 wpm": espeak_voice("en-us+m3", 190)}
    phrases = [(command, phrase[0].upper() + phrase[1:] + ".") for command, said in PHRASES.items() for phrase in said]
    rows, misses, false_commands = [], [], []
    for voice, say in voices.items():
        right = wrong = 0
        for command, phrase in phrases:
            found, _seconds, text = heard(say(phrase), False, 0, hear, folder)
            right += found == command
            if found != command:
                misses.append(f"{voice}: {phrase!r} heard as {text!r}")
        for sentence in SHORT_ANSWERS:
            found, _seconds, text = heard(say(sentence), False, 0, hear, folder)
            if found is not None:
                wrong += 1
                false_commands.append(f"{voice}: {sentence!r} taken for {found} (heard as {text!r})")
        rows.append({"voice": voice, "phrases": len(phrases), "recognised": right, "answers": len(SHORT_ANSWERS),
                     "taken_for_commands": wrong})
    return {"rows": rows, "misses": misses, "false_commands": false_commands}


if __name__ == "__main__":
    main()
