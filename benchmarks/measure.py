"""Measuring one command, and what it wrote: shared by the benchmarks in this folder.

`run_measured` starts a command and reaps it with wait4(), which reports the resource use of that
process and of every descendant it waited for (ffmpeg under guided or pydub): CPU is their user +
system seconds added up; peak memory is the largest single process's resident set (Linux's
ru_maxrss), not a sum. `audio_facts` reads a file back with ffmpeg's ebur128 meter and ffprobe.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import time
from pathlib import Path


def run_measured(command: list[str], env: dict, log: Path) -> dict:
    """Wall seconds, CPU seconds (user + sys, children included) and peak RSS (MB) of one run."""
    with open(log, "wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait
    if process.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n" + "\n".join(tail))
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}


def spread(values: list[float]) -> dict:
    """Median, fastest and slowest of several runs."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def audio_facts(path: Path) -> dict:
    """Integrated loudness (LUFS), loudness range (LU) and true peak (dBTP) from ffmpeg's ebur128,
    and the seconds a listener hears: the duration less the encoder's priming, which ffprobe
    reports as the audio stream's start time (about 25 ms in an MP3)."""
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a:0", "-af", "ebur128=peak=true",
         "-f", "null", "-"],
        capture_output=True, text=True,
    )
    summary = done.stderr.rsplit("Summary:", 1)[-1]

    def number(label: str) -> float | None:
        found = re.search(rf"{label}:\s+(-?[\d.]+|-inf)", summary)
        return float(found.group(1)) if found else None

    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=start_time:format=duration",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout)
    start = float((probe.get("streams") or [{}])[0].get("start_time") or 0.0)
    return {
        "integrated_lufs": number("I"),
        "lra_lu": number("LRA"),
        "true_peak_dbtp": number("Peak"),
        "heard_s": round(float(probe["format"]["duration"]) - start, 3),
    }
