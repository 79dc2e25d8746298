"""A warm start does only what hearing cached speech needs: no speech engine started, no module
loaded that only rendering, number words or package metadata would need."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import guided
from guided.tts import make_engine

from .conftest import needs

SCRIPT = "---\ntitle: Warm\nkind: meditation\nbackground: rain\n---\nFor the next {minutes}, rest here.\n[bell]\nThe second question.\n"
NOT_NEEDED = ("num2words", "importlib.metadata", "numpy.random", "pyttsx3.drivers.espeak")


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
def test_preparing_a_session_heard_before_loads_no_engine_and_no_number_words(guided_home, tmp_path):
    script = tmp_path / "warm.md"
    script.write_text(SCRIPT)
    cold = guided.prepare(str(script), engine="pyttsx3")
    warm = subprocess.run(
        [sys.executable, "-c",
         "import sys, json, guided\n"
         f"s = guided.prepare({str(script)!r}, engine='pyttsx3')\n"
         "print(json.dumps({'modules': sorted(sys.modules), 'rendered': s.cache.rendered, 'total': s.total}))"],
        capture_output=True, text=True, check=True,
    )
    found = json.loads(warm.stdout)
    assert found["rendered"] == 0 and found["total"] == cold.total
    assert [name for name in NOT_NEEDED if name in found["modules"]] == []


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
