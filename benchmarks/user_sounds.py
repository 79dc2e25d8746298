"""User sounds benchmark: peak memory and time of an export whose bell, or whose bed, is a user's file
of 1, 10 or 60 minutes, beside the same script with the built-in bowl and rain.

    python benchmarks/user_sounds.py [--minutes 1 10 60] [--repeat 3] [--json]

Each user file is made at run time in a temporary folder (removed at the end): a 220 Hz tone under
soft pink noise, 44.1 kHz stereo FLAC (an hour is about 320 MB), like a long recording of a singing
bowl. The script is short (three spoken lines, two bells); its speech is rendered once, untimed. Each
row is `guided export S.md -o out.mp3` with, for the bell rows, both bells the user's file, for the
bed rows `--background FILE`. A bell rings out before a session ends, so a long bell makes a longer
session (a bell is heard for two minutes at most): each bell row has a reference beside it, the
built-in bowl and rain with the script's pause stretched (`--minutes`) to the same length.

* cold   the sound cache emptied first: the file is hashed, decoded (as much of it as is heard) and
         measured, then the session exported;
* warm   the same again: the bell or bed comes from the sound cache.

Rounds of every row are repeated --repeat times; each figure is the median, the fastest and slowest
in brackets. Peak memory is the largest single process's resident set, ffmpeg included (see
measure.py). The guided measured is this checkout's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import run_measured, spread

CHECKOUT = Path(__file__).resolve().parent.parent
SCRIPT = ("---\ntitle: User sounds\nkind: meditation\n---\nLet yourself settle.\n[bell {bell}]\n"
          "Breathe in slowly, and breathe out.\n[pause {pause}]\n[bell {bell}]\nRest here for a moment.\n")


def make_sound(path: Path, minutes: float) -> None:
    seconds = round(minutes * 60)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"sine=f=220:d={seconds}:r=44100,volume=0.3",
                    "-f", "lavfi", "-i", f"anoisesrc=d={seconds}:c=pink:r=44100:a=0.05",
                    "-filter_complex", "[0][1]amix=2,aformat=channel_layouts=stereo", "-c:a", "flac", str(path)],
                   check=True)


def heard(guided: list[str], row: list[str], env: dict, work: Path) -> float:
    """The length of the session a row exports, in seconds (an untimed run)."""
    out = work / "length.wav"
    run_measured([*guided, *row, "-o", str(out)], env, work / "log")
    done = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(out)],
                          capture_output=True, text=True, check=True)
    out.unlink()
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 10, 60])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="guided-user-sounds-"))
    try:
        home = work / "home"
        env = {**os.environ, "GUIDED_HOME": str(home), "GUIDED_ENGINE": "pyttsx3",
               "PYTHONPATH": os.pathsep.join([str(CHECKOUT), os.environ.get("PYTHONPATH", "")])}
        guided = [sys.executable, "-m", "guided", "export"]
        (work / "builtin.md").write_text(SCRIPT.format(bell="bowl", pause="3s"))
        (work / "stretched.md").write_text(SCRIPT.format(bell="bowl", pause="3s..5m"))
        rows: dict[str, list[str]] = {"built-in bowl and rain": [str(work / "builtin.md"), "--background", "rain"]}
        for minutes in args.minutes:
            sound = work / f"user-{minutes:g}min.flac"
            make_sound(sound, minutes)
            (work / f"bell-{minutes:g}.md").write_text(SCRIPT.format(bell=sound, pause="3s"))
            rows[f"{minutes:g} min file as bell"] = [str(work / f"bell-{minutes:g}.md"), "--background", "rain"]
            # A bell rings out before the session ends, so a long one makes a longer session: the same
            # script with the built-in bowl, its pause stretched to that length, is the fair reference.
            seconds = heard(guided, rows[f"{minutes:g} min file as bell"], env, work)
            rows[f"built-in bowl and rain, {seconds:.0f} s like the {minutes:g} min bell's"] = [
                str(work / "stretched.md"), "--background", "rain", "--minutes", f"{seconds / 60:.4f}"]
            rows[f"{minutes:g} min file as bed"] = [str(work / "builtin.md"), "--background", str(sound)]
        run_measured([*guided, *rows["built-in bowl and rain"], "-o", str(work / "warmup.mp3")], env, work / "log")
        results: dict[str, dict[str, list[dict]]] = {name: {"cold": [], "warm": []} for name in rows}
        for _ in range(args.repeat):
            for name, row in rows.items():
                for kind in ("cold", "warm"):
                    if kind == "cold":
                        for entry in (home / "cache" / "sounds").glob("user-*"):
                            entry.unlink()
                    out = work / f"{kind}.mp3"
                    results[name][kind].append(run_measured([*guided, *row, "-o", str(out)], env, work / "log"))
                    out.unlink()
        report = {name: {kind: {"wall_s": spread([r["wall_s"] for r in runs]),
                                "peak_rss_mb": spread([r["peak_rss_mb"] for r in runs])}
                         for kind, runs in kinds.items()} for name, kinds in results.items()}
        if args.json:
            print(json.dumps(report, indent=2))
            return
        print("| export | cache | wall time | peak memory |")
        print("|---|---|---:|---:|")
        for name, kinds in report.items():
            for kind, facts in kinds.items():
                wall, peak = facts["wall_s"], facts["peak_rss_mb"]
                print(f"| {name} | {kind} | {wall['median']:.2f} ({wall['min']:.2f}-{wall['max']:.2f}) s "
                      f"| {peak['median']:.0f} ({peak['min']:.0f}-{peak['max']:.0f}) MB |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
