"""How fast the natural voice exports, against Piper alone doing the same work, side by side in one run.

    python benchmarks/piper_speed.py [--session rebuilding-trust/3] [--runs 3] [--format wav]
                                     [--batch 4] [--tree CHECKOUT]

Each figure is one process, measured from outside (wall clock; CPU of the process and everything it
waited for, ffmpeg included; peak resident memory), with an empty GUIDED_HOME each time, so that
speech is never cached; the voice's pace is known (shipped with the package):

- Piper alone: `PiperVoice.synthesize` of the session's phrases, in one process, at the length scale
  guided gives each, with onnxruntime's default threads and with one thread;
- `guided export SESSION` (this code, and with --tree the code in another checkout: the same work);
- a batch: `guided export FOLDER --all` of --batch sessions copied from the library, with --jobs 1
  and --jobs 2.

The rows are taken in turn, run after run, so that a change in the machine's load falls on all of
them alike.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
BATCH_SESSIONS = ("heart-breathing", "the-urge-to-check", "fear-of-being-left", "heart-affirmations",
                  "when-mistrust-flares", "safe-haven")


def alone(session: str, threads: str) -> None:
    """Piper alone (run in a child): every phrase of `session`, as guided would say it."""
    from piper import SynthesisConfig

    from guided.scripts.catalog import Catalog
    from guided.scripts.pronunciation import spoken_form
    from guided.timing.timeline import spoken_texts
    from guided.tts.piper_engine import PiperEngine, loaded_voice

    _entry, script = Catalog().load_session(session)
    engine = PiperEngine()
    texts = [spoken_form(text, script.pronounce, "piper") for text in spoken_texts(script) if "{" not in text]
    scales = [engine.scale_for_text(text) for text in texts]
    # The model loaded as guided loads it, with onnxruntime's default threads or with `threads`.
    voice = loaded_voice(engine.voice_file, None if threads == "default" else int(threads))
    frames = 0
    for text, scale in zip(texts, scales, strict=True):
        for chunk in voice.synthesize(text, SynthesisConfig(length_scale=scale, normalize_audio=False)):
            frames += len(chunk.audio_float_array)
    print(json.dumps({"phrases": len(texts), "speech_seconds": frames / voice.config.sample_rate}))


def measured(command: list[str], env: dict[str, str], tree: Path) -> dict:
    """Wall, CPU (the process and all it waited for) and peak memory of one command, run in `tree`
    (`python -m` puts the working folder first on the path: that checkout's code is the one run)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, cwd=tree)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            raise SystemExit(f"failed: {' '.join(command)}\n{err.read().decode(errors='replace')}")
        out.seek(0)
        return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
                "out": out.read().decode()}


def environment(tree: Path, home: Path) -> dict[str, str]:
    env = dict(os.environ, GUIDED_HOME=str(home), PYTHONPATH=str(tree))
    env.pop("GUIDED_ENGINE", None)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--session", default="rebuilding-trust/3")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", default="wav", help="of the exports (wav: the encoder costs least)")
    parser.add_argument("--batch", type=int, default=4, help="sessions in the batch (0: no batch)")
    parser.add_argument("--tree", type=Path, help="another checkout, exported the same way, for comparison")
    parser.add_argument("--only", choices=("alone", "export", "batch"), action="append")
    parser.add_argument("--busy", type=int, default=0,
                        help="other work while measuring: this many processes that each keep a core busy")
    args = parser.parse_args()
    trees = {"this code": HERE, **({"--tree": args.tree.resolve()} if args.tree else {})}
    only = set(args.only or ("alone", "export", "batch"))
    rows: dict[str, list[dict]] = {}
    work = Path(tempfile.mkdtemp(prefix="piper-speed-"))
    folder = work / "batch"
    folder.mkdir()
    from guided.scripts.catalog import Catalog

    catalog = Catalog()
    for name in BATCH_SESSIONS[: args.batch]:
        shutil.copyfile(catalog.find(name).path, folder / f"{name}.md")
    python = sys.executable
    busy = [subprocess.Popen([python, "-c", "while True: pass"]) for _ in range(args.busy)]
    try:
        for run in range(1, args.runs + 1):
            steps = []
            if "alone" in only:
                for threads in ("default", "1"):
                    steps.append((f"Piper alone, {'default threads' if threads == 'default' else 'one thread'}",
                                  HERE, [python, str(Path(__file__).resolve()), "--alone", threads, "--session", args.session]))
            if "export" in only:
                for label, tree in trees.items():
                    steps.append((f"guided export, {label}", tree,
                                  [python, "-m", "guided", "export", args.session, "--engine", "piper", "-q",
                                   "-o", str(work / f"out.{args.format}")]))
            if "batch" in only and args.batch:
                for label, tree in trees.items():
                    for jobs in (1, 2):
                        steps.append((f"batch of {args.batch}, --jobs {jobs}, {label}", tree,
                                      [python, "-m", "guided", "export", str(folder), "--all", str(work / "out"),
                                       "--engine", "piper", "--format", args.format, "--jobs", str(jobs), "-q"]))
            for label, tree, command in steps:
                home = work / "home"
                shutil.rmtree(home, ignore_errors=True)
                shutil.rmtree(work / "out", ignore_errors=True)
                result = measured(command, environment(tree, home), tree)
                rows.setdefault(label, []).append(result)
                print(f"run {run}: {label}: {result['wall']:.1f} s wall, {result['cpu']:.1f} s CPU, "
                      f"{result['cpu'] / result['wall']:.2f} cores, {result['peak_mb']:.0f} MB", flush=True)
    finally:
        for process in busy:
            process.kill()
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()
    print(f"\n{args.session}, {args.format}, median of {args.runs}, {args.busy} other busy processes "
          f"(load average now {load[0]:.2f}):\n")
    print("| what | wall s | CPU s | cores busy | peak |")
    print("|---|---:|---:|---:|---:|")
    for label, results in rows.items():
        wall = statistics.median(r["wall"] for r in results)
        cpu = statistics.median(r["cpu"] for r in results)
        peak = max(r["peak_mb"] for r in results)
        walls = ", ".join(f"{r['wall']:.1f}" for r in results)
        print(f"| {label} | {wall:.1f} ({walls}) | {cpu:.1f} | {cpu / wall:.2f} | {peak:.0f} MB |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--alone":
        session = sys.argv[sys.argv.index("--session") + 1]
        alone(session, sys.argv[2])
    else:
        main()
