"""Running the real command and reading real audio back, for the end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from guided.errors import DeviceError, MicrophoneLost


def run(*args: str, env: dict | None = None, check: bool = False, timeout: float = 900, **kwargs) -> subprocess.CompletedProcess:
    """`guided ARGS...` in a child process, as a user would run it."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "guided", *args], capture_output=True, text=True, env=full_env, timeout=timeout, **kwargs
    )
    if check and result.returncode != 0:
        raise AssertionError(f"guided {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


def run_json(*args: str, **kwargs):
    return json.loads(run(*args, "--json", check=True, **kwargs).stdout)


def probe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


def decode(path: Path, rate: int = 44100, channels: int = 1) -> np.ndarray:
    """The file's samples as float32, decoded by ffmpeg (an independent reader)."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", str(channels), "-ar", str(rate), "-"],
        capture_output=True, check=True,
    )
    return np.frombuffer(out.stdout, dtype="<f4").reshape(-1, channels)


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) as ffmpeg's ebur128 filter measures them."""
    out = subprocess.run(
        ["ffmpeg", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr
    summary = out[out.rindex("Summary:"):]
    integrated = float(summary.split("I:")[1].split("LUFS")[0])
    peak = float(summary.split("Peak:")[1].split("dBFS")[0])
    return integrated, peak


def rms_db(samples: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.asarray(samples, dtype=np.float64) ** 2) + 1e-20)


def has_portaudio() -> bool:
    """Whether sounddevice finds PortAudio (libportaudio2) on this machine."""
    try:
        import sounddevice  # noqa: F401
    except OSError:
        return False
    return True


def interrupt_when_writing(args: list[str], folder: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    """Start `guided ARGS`, wait for a temporary file in `folder`, then Ctrl-C it (SIGINT)."""
    process = subprocess.Popen([sys.executable, "-m", "guided", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env={**os.environ, **env})
    deadline = time.monotonic() + timeout
    try:
        while not (folder.is_dir() and any(p.name.endswith(".partial") for p in folder.iterdir())):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no temporary file appeared"
            time.sleep(0.02)
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def length_range(script, speak, bell_frames, *, rate: int = 44100) -> tuple[int, int]:
    """The shortest and longest a session can last, in samples, with every pause at its bounds
    (the timeline's own placement, every stretch at 0 and at 1)."""
    from guided.timing.fitting import place
    from guided.timing.timeline import script_items

    items, _ = script_items(script, speak, bell_frames, None)
    return place(items, rate, 0.0).total, place(items, rate, 1.0).total


# --- a microphone without hardware, for the journal's tests ----------------------------------------

MIC_RATE = 16000  # a fake microphone gives 16 kHz: what Whisper hears, and quick to make


def tone(seconds: float, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * MIC_RATE)) / MIC_RATE
    return (np.sin(2 * np.pi * 220 * t) * level * 32767).astype(np.int16)


def speech_then_silence(seconds: float = 3.0, silence: float = 2.0) -> np.ndarray:
    return np.concatenate([tone(seconds), np.zeros(int(silence * MIC_RATE), dtype=np.int16)])


class FakeMicrophone:
    """Gives `sound` answer after answer, as a sitting's Microphone does; `lose_at` (samples into
    the sound) is where it is unplugged; `unopenable` makes every start after a loss fail. With
    `speed`, sound comes as from a clock that many times faster than real time (otherwise at once)."""

    def __init__(self, sound: np.ndarray, lose_at: int | None = None, unopenable: bool = False,
                 speed: float | None = None) -> None:
        self.rate = MIC_RATE
        self.sound = sound
        self.position = 0
        self.lose_at = lose_at
        self.unopenable = unopenable
        self.lost = False
        self.speed = speed

    def start(self) -> None:
        if self.lost and self.unopenable:
            raise DeviceError("cannot open the microphone: device unavailable; try another --input-device, or use --type")

    def read(self, frames: int) -> np.ndarray:
        if self.lose_at is not None and self.position + frames > self.lose_at and not self.lost:
            self.lost = True
            raise MicrophoneLost("the microphone stopped: Unanticipated host error")
        if self.speed:
            time.sleep(frames / self.rate / self.speed)
        chunk = self.sound[self.position: self.position + frames]
        self.position += frames
        return chunk if len(chunk) == frames else np.zeros(frames, dtype=np.int16)

    def stop(self) -> None:
        pass
