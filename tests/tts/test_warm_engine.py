"""A warm engine does only what speaking needs: pyttsx3 made again knows its voice without starting
espeak-ng, starts it the moment a phrase is new, keeps the pace it was given, and lets the main
thread print while it renders. (A warm session: tests/session/test_warm_start.py.)"""

from __future__ import annotations

import subprocess
import sys

import pytest

from guided.tts import make_engine

from ..conftest import needs


@pytest.mark.e2e
@needs("espeak-ng")
def test_a_warm_pyttsx3_engine_has_the_same_identity_without_starting_espeak(guided_home):
    first = make_engine("pyttsx3", None, 120)  # a first start learns espeak-ng's default voice
    again = make_engine("pyttsx3", None, 120)
    assert first.started and not again.started
    assert again.identity() == first.identity() and again.voice == first.voice
    samples, rate = again.render("Hello there.")  # and it starts the moment a phrase is new
    assert again.started and len(samples) > rate // 4


@pytest.mark.e2e
@needs("espeak-ng")
def test_an_engine_made_after_the_others_are_gone_speaks_at_the_pace_it_was_given(guided_home):
    import gc

    first = make_engine("pyttsx3", None, 120)
    samples, rate = first.render("Rest here, and let the breath come and go on its own.")
    del first
    gc.collect()  # pyttsx3 lets its engine go with the last of ours: the next starts espeak-ng afresh
    again = make_engine("pyttsx3", None, 120)
    same, _ = again.render("Rest here, and let the breath come and go on its own.")
    assert abs(len(same) - len(samples)) < 0.05 * len(samples)


@pytest.mark.e2e
@needs("espeak-ng")
def test_what_the_main_thread_prints_while_speech_renders_in_the_background_all_arrives(tmp_path):
    code = (
        "import threading, time\n"
        "from guided.tts import make_engine\n"
        "engine = make_engine('pyttsx3', None, 120)\n"
        "def render():\n"
        "    for n in range(8):\n"
        "        engine.render(f'Phrase number {n}, spoken in the background while the session plays.')\n"
        "worker = threading.Thread(target=render)\n"
        "worker.start()\n"
        "count = 0\n"
        "while worker.is_alive():\n"
        "    count += 1\n"
        "    print(f'line {count}', flush=True)\n"
        "    time.sleep(0.002)\n"
        "print(f'printed {count}', flush=True)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    printed = int(lines[-1].split()[1])
    assert printed > 20  # the rendering took a while, and the main thread printed all along
    assert lines[:-1] == [f"line {n}" for n in range(1, printed + 1)]
