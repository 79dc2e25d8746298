"""How fast Piper speaks on this machine, against real time and against espeak-ng (pyttsx3),
side by side in one run: every phrase of a session rendered by both engines, no cache.

    python benchmarks/piper_speed.py [SESSION]
"""

from __future__ import annotations

import sys
import time

from guided.scripts import catalog as library
from guided.timing.timeline import spoken_texts
from guided.tts import make_engine


def measure(engine_name: str, texts: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    engine = make_engine(engine_name)
    loaded = time.perf_counter() - start
    audio = 0.0
    start = time.perf_counter()
    for text in texts:
        audio += len(engine.render(text)) / engine.native_rate
    return loaded, audio / (time.perf_counter() - start)


def main() -> None:
    session = sys.argv[1] if len(sys.argv) > 1 else "heart-breathing"
    texts = spoken_texts(library.load(session)[1])
    print(f"{session}: {len(texts)} distinct phrases")
    results = {}
    for name in ("pyttsx3", "piper"):
        loaded, speed = measure(name, texts)
        results[name] = speed
        print(f"  {name:<8} load {loaded:5.2f} s   {speed:6.1f}x faster than real time")
    print(f"  ratio: pyttsx3 is {results['pyttsx3'] / results['piper']:.1f}x faster than piper")


if __name__ == "__main__":
    main()
