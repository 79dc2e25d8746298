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
