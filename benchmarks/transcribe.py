"""How well and how fast recorded answers are written down on this machine: word error rate, speed
against real time, seconds per answer and peak memory, for journaling sentences spoken by
espeak-ng and by Piper, clean and with room noise added (pink noise, 15 dB below the speech).

    python benchmarks/transcribe.py [--model FOLDER|NAME] [--sentences N] [--snr DB]

Each answer is laid out as the recorder keeps it (44.1 kHz mono 16-bit, half a second before the
voice and three seconds of quiet after it) and goes through guided's own path
(guided.journal.transcription.transcribe_file). Each row runs in a fresh process, which loads the model
once, so its peak memory is that of transcription alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # measure the checkout this file is in, not another installed copy

RATE = 44100
SENTENCES = [
    "This morning I noticed how tired I was before I even got out of bed.",
    "I felt calm for the first time in weeks when I walked by the river.",
    "My sister called and we talked about our father for almost an hour.",
    "I keep putting off the letter I want to write to my old teacher.",
    "When the meeting ran late I felt anger rising in my chest.",
    "I am grateful for the quiet evening and the warm light in the kitchen.",
    "The hardest part of the day was asking for help with the project.",
    "I trust my friends more than I trust myself with big decisions.",
    "Walking home in the rain reminded me of being a child.",
    "Tomorrow I want to be patient with myself and take small steps.",
    "I was surprised by how much the small compliment meant to me.",
    "Sometimes I worry that I do not listen well enough to the people I love.",
    "The best moment of the week was cooking dinner with my neighbors.",
    "I notice that I breathe more slowly when I sit by the window.",
    "It is hard to forgive myself for the mistake I made at work.",
    "I would like to spend more time outside and less time on my phone.",
]
FILLERS = {"um", "uh", "er", "ah", "eh", "hmm", "mm", "mhm", "erm"}


def words(text: str) -> list[str]:
    """Lower case, punctuation and fillers dropped."""
    text = text.lower().replace("’", "'")
    return [w for w in re.findall(r"[a-z0-9']+", text) if w not in FILLERS]


def errors(reference: list[str], hypothesis: list[str]) -> int:
    """Word-level edit distance: substitutions, deletions and insertions."""
    previous = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, 1):
        current = [i]
        for j, h in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


# --- making the answers -----------------------------------------------------------------------


def to_rate(samples: np.ndarray, rate: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(rate, RATE)
    return resample_poly(samples.astype(np.float64), RATE // g, rate // g)


def espeak(text: str, folder: Path) -> np.ndarray:
    path = folder / "espeak.wav"
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    with wave.open(str(path)) as f:
        samples = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")
        return to_rate(samples, f.getframerate())


def piper_voice():
    from guided.tts.piper_engine import PiperEngine

    return PiperEngine(rate_wpm=150)


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, n)
    return noise / np.sqrt(np.mean(noise**2))


def answer(voice: np.ndarray, snr_db: float | None, rng: np.random.Generator) -> np.ndarray:
    """Speech at about -20 dBFS (RMS of the voiced part), laid out as the recorder keeps it."""
    voiced = voice[np.abs(voice) > 0.01 * 32768]
    voice = voice * (0.1 * 32768 / np.sqrt(np.mean(voiced**2)))
    audio = np.concatenate([np.zeros(RATE // 2), voice, np.zeros(3 * RATE)])
    if snr_db is not None:
        audio = audio + pink(len(audio), rng) * 0.1 * 32768 * 10 ** (-snr_db / 20)
    return np.clip(np.round(audio), -32768, 32767).astype("<i2")


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(samples.tobytes())


def make_answers(folder: Path, sentences: list[str], snr_db: float) -> dict[str, list[Path]]:
    rng = np.random.default_rng(15)
    piper = piper_voice()
    groups: dict[str, list[Path]] = {}
    for voice_name in ("espeak-ng", "piper"):
        for condition in ("clean", "noise"):
            groups[f"{voice_name}|{condition}"] = []
    for index, text in enumerate(sentences):
        spoken = {"espeak-ng": espeak(text, folder)}
        samples, rate = piper.render_at(text, piper.length_scale)  # one steady pace, as a person
        spoken["piper"] = to_rate(samples, rate)
        for voice_name, voice in spoken.items():
            for condition, snr in (("clean", None), ("noise", snr_db)):
                path = folder / f"{voice_name}-{condition}-{index:02d}.wav"
                write_wav(path, answer(voice, snr, rng))
                groups[f"{voice_name}|{condition}"].append(path)
    return groups


# --- transcribing them, in a fresh process ----------------------------------------------------


def transcribe_group(paths: list[str], model: str | None) -> dict:
    from guided.journal.transcription import transcribe_file
    from guided.journal.whisper_engine import SharedModel
    from guided.journal.whisper_models import find_model

    chosen = find_model(model)
    shared = SharedModel(chosen)  # as `guided transcribe` has it: loaded once, every core for each answer
    started = time.perf_counter()
    shared.get()
    loaded = time.perf_counter() - started
    results = []
    for path in paths:
        started, cpu = time.perf_counter(), time.process_time()
        transcript = transcribe_file(Path(path), shared)
        results.append({"path": path, "text": transcript.text, "audio": transcript.audio_ms / 1000,
                        "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu})
    shared.close()
    return {"model": chosen.name, "load": loaded, "peak_mb": own_peak_mb(), "results": results}


def own_peak_mb() -> float:
    """This process's peak resident memory since it started. Not ru_maxrss: Linux carries it across
    exec from the process that started this one (here the parent, after Piper spoke every answer:
    388-391 MB whatever the child did); VmHWM belongs to this program's memory alone."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--sentences", type=int, default=len(SENTENCES))
    parser.add_argument("--snr", type=float, default=15.0, help="speech above the noise, in dB")
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(transcribe_group(args.child, args.model)))
        return

    sentences = SENTENCES[: args.sentences]
    print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}; {len(sentences)} sentences; noise: pink, {args.snr:g} dB SNR; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="guided-bench-transcribe-") as tmp:
        groups = make_answers(Path(tmp), sentences, args.snr)
        for name, paths in groups.items():
            command = [sys.executable, __file__, "--child", *map(str, paths)]
            if args.model:
                command[2:2] = ["--model", args.model]
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
            child = subprocess.run(command, capture_output=True, text=True, env=env)
            if child.returncode:
                sys.exit(f"transcribing {name} failed:\n{child.stderr}")
            report = json.loads(child.stdout)
            wrong = total = 0
            for text, result in zip(sentences, report["results"], strict=True):
                reference = words(text)
                wrong += errors(reference, words(result["text"]))
                total += len(reference)
                if errors(reference, words(result["text"])):
                    print(f"    {name}: {result['text']!r}", flush=True)
            audio = sum(r["audio"] for r in report["results"])
            took = sum(r["seconds"] for r in report["results"])
            cpu = sum(r["cpu"] for r in report["results"])
            voice, condition = name.split("|")
            rows.append((voice, condition, 100 * wrong / total, audio / took, took / len(paths), cpu / len(paths),
                         report["peak_mb"], report["load"], report["model"]))
    print()
    print("| voice | sound | word error | × real time | s per answer | CPU s per answer | peak memory | model load |")
    print("|---|---|---|---|---|---|---|---|")
    for voice, condition, wer, speed, per_answer, cpu, peak, loaded, _model in rows:
        sound = "clean" if condition == "clean" else f"room noise, {args.snr:g} dB SNR"
        print(f"| {voice} | {sound} | {wer:.1f} % | {speed:.1f}× | {per_answer:.2f} s | {cpu:.2f} s | {peak:.0f} MB "
              f"| {loaded:.1f} s |")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}; model: {rows[0][-1]}; answers {np.mean([len(s.split()) for s in sentences]):.0f} words on average, "
          f"each with 3.5 s of quiet around the voice")


if __name__ == "__main__":
    main()
