"""Render the built-in bells to the bundled FLAC files in this folder.

    python audio/generate.py            # write audio/bowl.flac, audio/chime.flac, audio/gong.flac
    python audio/generate.py --check    # only verify the committed files match the synthesis

Each file is the exact output of ``guided.audio.bells.synth_bell(name, 44100)``: stereo, 44.1 kHz,
rounded to 24 bits and encoded losslessly with ffmpeg (bit-exact mode, no metadata, so the
files are reproducible). Re-run this whenever the bell synthesis changes, and commit the files.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RATE = 44100
TOLERANCE = 1e-4  # decoded file vs fresh synthesis, per sample


def _bells():
    """Import guided.audio.bells from this checkout, even when run as a plain script."""
    root = str(HERE.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from guided.audio import bells

    return bells


def to_pcm24(x: np.ndarray) -> bytes:
    """float32 (n, 2) in [-1, 1) -> interleaved signed 24-bit values in 32-bit little-endian words.

    Rounded here (not truncated by ffmpeg), so the FLAC holds the nearest 24-bit values.
    """
    q = np.clip(np.round(x.astype(np.float64) * 2**23), -(2**23), 2**23 - 1).astype(np.int64)
    return (q << 8).astype("<i4").tobytes()


def write_flac(x: np.ndarray, path: Path, rate: int = RATE) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise SystemExit("ffmpeg is not installed; install it (e.g. sudo apt install ffmpeg)")
    cmd = [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "s32le", "-ar", str(rate), "-ac", str(x.shape[1]), "-i", "pipe:0",
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-c:a", "flac", "-sample_fmt", "s32", "-bits_per_raw_sample", "24",
        "-compression_level", "12",
        str(path),
    ]  # fmt: skip
    tmp = path.with_name(f".{path.name}.tmp.flac")
    cmd[-1] = str(tmp)
    subprocess.run(cmd, input=to_pcm24(x), check=True)
    tmp.replace(path)


def check(bells, name: str, path: Path) -> float:
    """Largest difference between the decoded file and a fresh synthesis (inf if unusable)."""
    if not path.is_file():
        return float("inf")
    from guided.audio.user_files import decode

    fresh = bells.synth_bell(name, RATE)
    decoded, rate = decode(path)
    if rate != RATE or decoded.shape != fresh.shape:
        return float("inf")
    return float(np.max(np.abs(decoded - fresh)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the bundled files")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    args = parser.parse_args(argv)
    bells = _bells()
    ok = True
    for name in bells.BELL_NAMES:
        path = args.out / f"{name}.flac"
        if not args.check:
            args.out.mkdir(parents=True, exist_ok=True)
            write_flac(bells.synth_bell(name, RATE), path)
        err = check(bells, name, path)
        good = err <= TOLERANCE
        ok &= good
        size = path.stat().st_size if path.is_file() else 0
        print(
            f"{path.name:12} {size / 1024:7.1f} KiB  max error {err:.2e}  "
            f"{'ok' if good else 'MISMATCH: run python audio/generate.py'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
