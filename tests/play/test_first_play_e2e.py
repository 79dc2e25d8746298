"""A brand-new install speaks at once: no voice is measured before a first play's first sound, for a
voice whose pace was measured ahead (shipped with guided) and for one nobody measured (an estimate
the phrases correct). Real espeak-ng and Piper, real PortAudio into ALSA's file plugin."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from ..conftest import needs
from ..helpers import has_portaudio

pytestmark = [pytest.mark.e2e, needs("espeak-ng"),
              pytest.mark.skipif(not has_portaudio(), reason="needs PortAudio (libportaudio2)")]

SCRIPT = "---\ntitle: First\nkind: talk\nbackground: none\n---\n## Only\nHello, and welcome.\n[pause 1s]\nGoodbye for now.\n"

# `guided play`, with measuring a voice's pace made impossible (it leaves a mark and fails), and the
# shipped models hidden when asked: what a first play on a machine with other voices meets.
PLAY = textwrap.dedent("""
    import sys
    from pathlib import Path
    from guided.tts import pace

    mark = sys.argv[1]
    pace.seconds_per_word = lambda *a, **k: (Path(mark).write_text("measured"), sys.exit(9))
    if sys.argv[2] == "hidden":
        pace.SHIPPED = Path(mark + ".none")
    from guided.__main__ import main
    sys.argv = ["guided", *sys.argv[3:]]
    main()
""")


def engines() -> list[str]:
    from guided.tts.piper_engine import installed_voices, piper_available

    return ["pyttsx3"] + (["piper"] if piper_available() and installed_voices() else [])


@pytest.mark.parametrize("shipped", ["shipped", "hidden"])
@pytest.mark.parametrize("engine", engines())
def test_a_first_play_on_an_empty_home_measures_no_voice_and_speaks(sound_home, tmp_path, engine, shipped):
    home = tmp_path / "new-home"  # nothing cached, no pace memo: a brand-new install
    script = tmp_path / "first.md"
    script.write_text(SCRIPT)
    mark = tmp_path / "measured"
    env = {**os.environ, "HOME": str(sound_home), "GUIDED_HOME": str(home), "GUIDED_ENGINE": engine}
    result = subprocess.run([sys.executable, "-c", PLAY, str(mark), shipped, "play", str(script), "-q"],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert not mark.exists()
    heard = np.fromfile(sound_home / "played.raw", dtype="<f4")
    assert np.abs(heard).max() > 0.05  # the voice was heard, not only silence
