"""A warm start does only what hearing cached speech needs: preparing a session heard before starts
no speech engine and loads no module that only rendering, number words or package metadata need."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import guided

from ..conftest import needs

SCRIPT = "---\ntitle: Warm\nkind: meditation\nbackground: rain\n---\nFor the next {minutes}, rest here.\n[bell]\nThe second question.\n"
NOT_NEEDED = ("num2words", "importlib.metadata", "numpy.random", "pyttsx3.drivers.espeak")


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
