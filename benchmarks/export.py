"""Export benchmark: guided against pydub (a fair pipeline and a naive one) and ffmpeg alone, side by side.

    python benchmarks/export.py [--minutes 10 30] [--repeat 3] [--format mp3] [--keep DIR] [--engine NAME] [--json]

For each length it writes a session script (one section a minute: five spoken lines, stretchable
pauses, a bell), fits it to exactly that many minutes with `--minutes`, and measures, one command at
a time, wall time, CPU time and peak resident memory of:

* ffmpeg alone   encoding guided's own WAV of the session to the same format and bitrate: the floor
                 any exporter that uses ffmpeg has to pay;
* guided         `guided export SCRIPT -o out.mp3`, speech already in the clip cache; besides the
                 mix it writes tags, a generated cover picture and chapters;
* guided (wav)   the same to WAV: no encoder, so mostly the mixer's own cost;
* pydub, same mix  benchmarks/pydub_export.py `fair`: guided's mix (the same clips, handed over
                 at 44.1 kHz, at the same samples; the bed looped and ducked with the same depth and
                 ramps; the same relative levels, loudness target and peak ceiling; the same encoder
                 and bitrate) built the way a competent pydub user would, in linear time, with numpy
                 where pydub has no operation;
* pydub, naive   benchmarks/pydub_export.py `naive`: the first version anyone writes (`+=` per
                 event, an `overlay` of the whole session per bell, peak normalisation): less work
                 than guided (no ducking, no loudness target) and quadratic in the length.

Every row runs once per round, rounds repeated --repeat times (default 3), so a busy spell on a
shared machine falls on all of them; each figure printed is the median, with the fastest and
slowest run beside it. CPU is user + system time of the command and every process it waited for
(ffmpeg included); peak memory is the largest single process's resident set (see measure.py).
Each output is read back with ffmpeg's ebur128 meter (integrated loudness, true peak) and ffprobe
(the seconds heard), and the fair pipeline's figures are checked against guided's: if they differ
by more than a small tolerance, it is not the same work, and the report says so.

Everything untimed (speech, the session's parts for the pydub pipelines, the WAV for ffmpeg alone)
is prepared first in a private GUIDED_HOME under a temporary folder, removed at the end unless
--keep DIR is given. The guided measured is this checkout's (its folder goes first on PYTHONPATH).
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

from measure import audio_facts, run_measured, spread

BENCHMARKS = Path(__file__).resolve().parent
CHECKOUT = BENCHMARKS.parent

# Generic calm sentences; each section speaks five of them, cycling through the list.
PHRASES = [
    "Let yourself settle into a comfortable position.",
    "Breathe in slowly.",
    "And breathe out, letting go.",
    "Notice the weight of your body.",
    "Let your shoulders soften.",
    "Feel the air moving at your nostrils.",
    "There is nothing you need to do right now.",
    "Let your jaw relax.",
    "Breathe in, and feel your chest rise.",
    "Breathe out, and feel it fall.",
    "If your mind wanders, gently come back.",
    "Notice any sounds around you.",
    "Let them come and go.",
    "Feel your feet on the floor.",
    "Rest your attention on the breath.",
    "Each breath out, a little softer.",
    "Notice where your body feels at ease.",
    "Let your hands rest, heavy and warm.",
    "Breathe in calm.",
    "Breathe out tension.",
    "Feel the rhythm of your breathing.",
    "There is no right way to feel.",
    "Simply notice what is here.",
    "Let the breath breathe itself.",
    "Soften the muscles around your eyes.",
    "Feel the space around you.",
    "Let each thought drift by like a cloud.",
    "Come back to this moment.",
    "Notice the pause after each breath out.",
    "Let your belly be soft.",
    "Breathe in slowly, all the way down.",
    "And breathe out, slowly and fully.",
    "You are safe to rest here.",
    "Feel the ground holding you.",
    "Let your face be still.",
    "Notice the warmth in your hands.",
    "With each breath, settle a little deeper.",
    "Be kind to yourself.",
    "Let this moment be enough.",
    "Rest here a while.",
]
LINES_PER_SECTION = 5
SPEAKING_RATE = 135  # words a minute: guided's default --rate
SECONDS_PER_SECTION = 60  # roughly, with every pause at its midpoint

ROWS = {  # key → label, in the order the rows run and are printed
    "ffmpeg": "ffmpeg alone",
    "guided": "guided",
    "guided-wav": "guided (wav)",
    "fair": "pydub, same mix",
    "naive": "pydub, naive",
}
CODECS = {  # format → ffmpeg encoder arguments and bitrate, the same for every pipeline
    "mp3": (["-c:a", "libmp3lame"], "160k"),
    "ogg": (["-c:a", "libvorbis"], "128k"),
    "flac": (["-c:a", "flac"], None),
}
# How close the fair pipeline's output must be to guided's to count as the same work.
SAME_WORK = {"integrated_lufs": 0.5, "true_peak_dbtp": 0.5, "heard_s": 0.05}
LIMITS = {"rss_mb": 150.0, "growth_mb": 10.0}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the session ------------------------------------------------------------------------------
def make_script(minutes: float) -> str:
    """A session of about `minutes` (exactly, once fitted with --minutes): one section a minute."""
    sections = max(1, round(minutes * 60 / SECONDS_PER_SECTION))
    lines = [
        "---",
        f'title: "Benchmark session, {minutes:g} minutes"',
        "kind: meditation",
        "description: Generated by benchmarks/export.py.",
        "background: warm-drone",
        "---",
    ]
    for number in range(sections):
        lines += ["", f"## Part {number + 1}"]
        for i in range(LINES_PER_SECTION):
            phrase = PHRASES[(number * LINES_PER_SECTION + i) % len(PHRASES)]
            lines.append(f"{phrase} [pause 2s..6s]" if i % 2 else phrase)
        lines += ["[bell]", "[pause 10s..50s]"]
    return "\n".join(lines) + "\n"


def source_fingerprint() -> dict[str, str]:
    """A hash of each of guided's source files: the package may be edited while a long benchmark runs."""
    import hashlib

    import guided

    root = Path(guided.__file__).parent
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*.py"))}


def fingerprint_id(files: dict[str, str]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:12]


def checkout_env(env: dict) -> dict:
    """`env` with this checkout first on PYTHONPATH, so that `python -m guided` runs this code."""
    if not (CHECKOUT / "guided" / "__init__.py").is_file():
        return env
    path = os.pathsep.join(p for p in (str(CHECKOUT), env.get("PYTHONPATH", "")) if p)
    return {**env, "PYTHONPATH": path}


def guided_command() -> list[str]:
    return [sys.executable, "-m", "guided"]


def run_quiet(command: list[str], env: dict) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr.strip()}")
    return done.stdout


# --- the run ----------------------------------------------------------------------------------
def prepare_length(minutes: float, work: Path, env: dict, args) -> dict:
    """Script, warm cache, the WAV for ffmpeg alone and the parts for pydub, for one length (untimed)."""
    folder = work / f"{minutes:g}min"
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / f"session-{minutes:g}min.md"
    script.write_text(make_script(minutes))
    settings = ["--minutes", f"{minutes:g}", "--engine", args.engine, "--rate", str(SPEAKING_RATE)]
    log(f"[{minutes:g} min] rendering the speech and reading the timeline")
    shown = json.loads(run_quiet([*guided_command(), "show", str(script), "--json", *settings], env))
    seconds = shown["stats"]["seconds"]
    if abs(seconds - minutes * 60) > 60:
        raise SystemExit(f"the session lasts {seconds:.0f} s, not {minutes:g} min")
    long_wav = folder / "long.wav"
    run_quiet([*guided_command(), "export", str(script), "-o", str(long_wav), "-q", *settings], env)
    log(f"[{minutes:g} min] writing the session's parts for the pydub pipelines")
    parts = folder / "parts"
    dumped = json.loads(run_quiet([sys.executable, str(BENCHMARKS / "session_parts.py"), str(script), str(parts),
                                   *settings], env))
    if abs(dumped["frames"] / dumped["rate"] - seconds) > 0.001:
        raise SystemExit(f"the parts last {dumped['frames'] / dumped['rate']:.3f} s but guided show says {seconds:.3f} s")
    empty = sorted({e["text"] for e in shown["events"] if e["kind"] == "speech" and not e["seconds"]})
    return {
        "minutes": minutes, "folder": folder, "script": script, "seconds": seconds, "long_wav": long_wav,
        "plan": parts / "plan.json", "events": len(shown["events"]), "bells": shown["stats"]["bells"],
        "phrases": len({e["text"] for e in shown["events"] if e["kind"] == "speech"}),
        "warnings": [f"[{minutes:g} min] guided rendered {len(empty)} phrase(s) as empty clips: "
                     + ", ".join(repr(t) for t in empty[:3])] if empty else [],
    }


def commands(prepared: dict, args) -> dict[str, tuple[list[str], Path]]:
    folder, fmt = prepared["folder"], args.format
    encoder, bitrate = CODECS[fmt]
    out = {key: folder / f"{key}.{'wav' if key == 'guided-wav' else fmt}" for key in ROWS}
    settings = ["--minutes", f"{prepared['minutes']:g}", "--engine", args.engine, "--rate", str(SPEAKING_RATE), "-q"]

    def guided(target: Path, *more: str) -> list[str]:
        return [*guided_command(), "export", str(prepared["script"]), "-o", str(target), *settings, *more]

    def pydub(pipeline: str) -> list[str]:
        return [sys.executable, str(BENCHMARKS / "pydub_export.py"), pipeline, str(prepared["plan"]), str(out[pipeline]),
                "--format", fmt, *(["--bitrate", bitrate] if bitrate else [])]

    return {
        "ffmpeg": ([shutil.which("ffmpeg"), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                    "-i", str(prepared["long_wav"]), *encoder, *(["-b:a", bitrate] if bitrate else []),
                    str(out["ffmpeg"])], out["ffmpeg"]),
        "guided": (guided(out["guided"], *(["--bitrate", bitrate] if bitrate else [])), out["guided"]),
        "guided-wav": (guided(out["guided-wav"]), out["guided-wav"]),
        "fair": (pydub("fair"), out["fair"]),
        "naive": (pydub("naive"), out["naive"]),
    }


def same_work(fair: dict, guided: dict) -> dict:
    """How far the fair pipeline's output is from guided's, and whether that is within tolerance."""
    differences = {key: None if fair[key] is None or guided[key] is None else round(fair[key] - guided[key], 3)
                   for key in SAME_WORK}
    ok = all(d is not None and abs(d) <= SAME_WORK[key] for key, d in differences.items())
    return {"differences": differences, "tolerances": SAME_WORK, "same": ok}


def run(args) -> dict:
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise SystemExit(f"this benchmark needs {tool} on PATH")
    lengths = sorted(set(args.minutes))
    sys.path.insert(0, str(CHECKOUT))
    fingerprint = source_fingerprint()
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="guided-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = checkout_env({**os.environ, "GUIDED_HOME": str(work / "home")})
    env.pop("GUIDED_DEBUG", None)
    try:
        prepared = [prepare_length(m, work, env, args) for m in lengths]
        rows, checks = [], []
        for p in prepared:
            runs = commands(p, args)
            timings: dict[str, list[dict]] = {key: [] for key in ROWS}
            for attempt in range(args.repeat):
                for key, (command, _) in runs.items():
                    log(f"[{p['minutes']:g} min] round {attempt + 1}/{args.repeat}: {ROWS[key]}")
                    timings[key].append(run_measured(command, env, p["folder"] / f"{key}-{attempt}.log"))
            log(f"[{p['minutes']:g} min] reading the outputs back (ebur128, ffprobe)")
            facts = {key: audio_facts(runs[key][1]) for key in ROWS}
            guided_cpu = spread([t["cpu_s"] for t in timings["guided"]])["median"]
            for key in ROWS:
                wall = spread([round(t["wall_s"], 3) for t in timings[key]])
                cpu = spread([round(t["cpu_s"], 3) for t in timings[key]])
                rows.append({
                    "minutes": p["minutes"], "tool": key, "label": ROWS[key],
                    "wall_s": wall, "cpu_s": cpu,
                    "peak_rss_mb": spread([round(t["peak_rss_mb"], 1) for t in timings[key]]),
                    "cpu_vs_guided": round(cpu["median"] / guided_cpu, 2),
                    "output_bytes": runs[key][1].stat().st_size,
                    **facts[key],
                })
            checks.append({"minutes": p["minutes"], **same_work(facts["fair"], facts["guided"])})
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    after = source_fingerprint()
    changed = sorted(name for name in set(after) | set(fingerprint) if after.get(name) != fingerprint.get(name))
    growth = {}
    if len(lengths) > 1:
        for key in ROWS:
            by_length = {r["minutes"]: r["peak_rss_mb"]["median"] for r in rows if r["tool"] == key}
            growth[key] = round(by_length[lengths[-1]] - by_length[lengths[0]], 1)
    return {
        "format": args.format,
        "bitrate": CODECS[args.format][1],
        "engine": args.engine,
        "lengths_minutes": lengths,
        "repeat": args.repeat,
        "sessions": [{"minutes": p["minutes"], "seconds": p["seconds"], "distinct_phrases": p["phrases"],
                      "events": p["events"], "bells": p["bells"]} for p in prepared],
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                    "python": sys.version.split()[0]},
        "results": rows,
        "same_work": checks,
        "peak_rss_growth_mb": growth,
        "guided_source": {"sha256_prefix": fingerprint_id(fingerprint), "changed_during_run": changed},
        "notes": [note for p in prepared for note in p["warnings"]] + notes(rows, checks, growth, lengths)
        + ([f"guided's source changed while the benchmark ran ({', '.join(changed[:6])}"
            f"{', ...' if len(changed) > 6 else ''}): the rows may come from different versions"] if changed else []),
        "kept_in": str(work) if args.keep else None,
    }


def notes(rows: list[dict], checks: list[dict], growth: dict, lengths: list[float]) -> list[str]:
    found = []
    for check in checks:
        if not check["same"]:
            found.append(f"at {check['minutes']:g} min the fair pydub pipeline's output differs from guided's by more "
                         f"than the tolerance ({check['differences']}): it is not doing the same work")
    for row in rows:
        if row["tool"] == "guided" and row["peak_rss_mb"]["median"] > LIMITS["rss_mb"]:
            found.append(f"guided's peak RSS at {row['minutes']:g} min is {row['peak_rss_mb']['median']:.0f} MB "
                         f"(> {LIMITS['rss_mb']:.0f} MB)")
    if any(r["tool"] == "ffmpeg" and r["wall_s"]["median"] > 1.15 * r["cpu_s"]["median"] for r in rows):
        found.append("ffmpeg alone (one thread) took longer in wall time than in CPU time: the machine was busy, "
                     "so compare the CPU columns")
    if "guided" in growth and abs(growth["guided"]) > LIMITS["growth_mb"]:
        found.append(f"guided's peak RSS grows by {growth['guided']:+.1f} MB from {lengths[0]:g} to {lengths[-1]:g} min "
                     f"(> {LIMITS['growth_mb']:.0f} MB)")
    return found


# --- printing ---------------------------------------------------------------------------------
def figure(values: dict, digits: int = 1) -> str:
    """The median, with the fastest and slowest run after it when there were several."""
    if len(values["runs"]) == 1:
        return f"{values['median']:.{digits}f}"
    return f"{values['median']:.{digits}f} ({values['min']:.{digits}f}-{values['max']:.{digits}f})"


def number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_report(result: dict) -> None:
    bitrate = f" {result['bitrate']}" if result["bitrate"] else ""
    print(f"\nExport benchmark: {result['format']}{bitrate}, 44.1 kHz stereo, guided --engine {result['engine']} "
          f"--rate {SPEAKING_RATE}; {result['machine']['cpus']} CPUs, load average at the end "
          f"{result['machine']['load_average_at_end'][0]:.2f}; median of {result['repeat']} run(s), "
          f"(fastest-slowest); guided source {result['guided_source']['sha256_prefix']}\n")
    for s in result["sessions"]:
        print(f"  {s['minutes']:g} min session: {s['seconds']:.1f} s, {s['events']} events, "
              f"{s['distinct_phrases']} distinct phrases, {s['bells']} bells")
    header = (f"\n{'length':>7}  {'pipeline':<16} {'wall s':>18} {'CPU s':>18} {'CPU/guided':>10} {'peak MB':>8}"
              f" {'LUFS':>6} {'dBTP':>5} {'heard s':>9}")
    print(header)
    print("-" * (len(header) - 1))
    for row in result["results"]:
        print(f"{row['minutes']:>4g} min  {row['label']:<16} {figure(row['wall_s']):>18} {figure(row['cpu_s']):>18} "
              f"{row['cpu_vs_guided']:>10.2f} {row['peak_rss_mb']['median']:>8.0f} {number(row['integrated_lufs']):>6} "
              f"{number(row['true_peak_dbtp']):>5} {number(row['heard_s'], 3):>9}")
    print("\nsame work (pydub, same mix, minus guided; tolerance "
          + ", ".join(f"{k} {v}" for k, v in SAME_WORK.items()) + "):")
    for check in result["same_work"]:
        print(f"  {check['minutes']:g} min: " + ", ".join(f"{k} {v:+g}" if v is not None else f"{k} ?"
                                                       for k, v in check["differences"].items())
              + ("  -> the same" if check["same"] else "  -> NOT the same"))
    if result["peak_rss_growth_mb"]:
        lengths = result["lengths_minutes"]
        print(f"\npeak RSS, {lengths[-1]:g} min minus {lengths[0]:g} min: "
              + ", ".join(f"{ROWS[k]} {v:+.1f} MB" for k, v in result["peak_rss_growth_mb"].items()))
    if result["notes"]:
        print("\nnotes:")
        for note in result["notes"]:
            print(f"  - {note}")
    print("\nFor the README:\n")
    print(markdown(result))


def markdown(result: dict) -> str:
    fmt = result["format"]
    labels = {"ffmpeg": f"ffmpeg alone (WAV → {fmt})", "guided": f"`guided export` → {fmt}",
              "guided-wav": "`guided export` → wav", "fair": f"pydub, same mix → {fmt}",
              "naive": f"pydub, naive → {fmt}"}
    lines = [
        "| length | pipeline | wall time | CPU time | CPU vs guided | peak memory | loudness | true peak | heard |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["results"]:
        lines.append(f"| {row['minutes']:g} min | {labels[row['tool']]} | {figure(row['wall_s'])} s | "
                     f"{figure(row['cpu_s'])} s | {row['cpu_vs_guided']:.2f}× | {row['peak_rss_mb']['median']:.0f} MB | "
                     f"{number(row['integrated_lufs'])} LUFS | {number(row['true_peak_dbtp'])} dBTP | "
                     f"{number(row['heard_s'], 2)} s |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, nargs="+", default=[10, 30], metavar="N", help="session lengths (default: 10 30)")
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="rounds of every row (default: 3); medians are printed")
    parser.add_argument("--format", choices=sorted(CODECS), default="mp3", help="encoded format (default: mp3)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep scripts, parts, logs and outputs there")
    parser.add_argument("--engine", default="pyttsx3", metavar="NAME", help="guided's speech engine (default: pyttsx3)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
    args = parser.parse_args(argv)
    if args.repeat < 1 or any(m <= 0 for m in args.minutes):
        parser.error("--repeat and --minutes must be positive")
    result = run(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result)
        if result["kept_in"]:
            print(f"\n(files kept in {result['kept_in']}, results also in results.json there)")
    if result["kept_in"]:
        (Path(result["kept_in"]) / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    if not all(check["same"] for check in result["same_work"]):
        sys.exit(3)


if __name__ == "__main__":
    main()
