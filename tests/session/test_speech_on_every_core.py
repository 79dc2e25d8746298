"""Preparing a session renders its phrases side by side when the engine can, and places them exactly as
one phrase after another would."""

from __future__ import annotations

import threading
import time

import guided.session.prepared as session_module
from guided.timing.timeline import spoken_texts
from guided.tts import workers

from ..conftest import FakeEngine

SCRIPT = """---
title: Side by side
kind: meditation
---
Let yourself settle here, in this {minutes} minute sitting.
Notice the breath.
[pause 3s]
Feel the feet on the floor, and the weight of the body.
[bell]
Rest.
[pause 2s]
Let the shoulders soften.
That is all.
"""


class SlowEngine(FakeEngine):
    """Takes a little while for each phrase, and notes how many it was rendering at once."""

    def __init__(self, parallel: int) -> None:
        super().__init__()
        self.parallel = parallel
        self.now = self.most = 0
        self.lock = threading.Lock()
        self.together = threading.Event()

    def render(self, text: str):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            if self.now >= self.parallel:
                self.together.set()
        self.together.wait(2.0)  # the first phrases wait a moment for one another
        time.sleep(0.01)
        with self.lock:
            self.now -= 1
        return super().render(text)


def test_phrases_render_side_by_side_and_land_where_one_at_a_time_puts_them(speak_with, monkeypatch, tmp_path):
    monkeypatch.setattr(workers, "cores", lambda: 2)
    alone = speak_with(SlowEngine(parallel=1))
    one_at_a_time = session_module.prepare(SCRIPT)
    assert alone.most == 1
    monkeypatch.setenv("GUIDED_HOME", str(tmp_path / "another-home"))  # nothing cached
    both = speak_with(SlowEngine(parallel=2))
    told = []
    side_by_side = session_module.prepare(SCRIPT, progress=lambda done, total: told.append((done, total)))
    assert both.most == 2
    def placed(session):
        return session.total, [(e.kind, e.start, e.length, e.text) for e in session.timeline.events]

    assert placed(side_by_side) == placed(one_at_a_time)
    assert side_by_side.mixer.render(0, side_by_side.total).tobytes() == \
        one_at_a_time.mixer.render(0, one_at_a_time.total).tobytes()
    phrases = spoken_texts(side_by_side.script)
    assert told[-1][0] == told[-1][1] >= len(phrases) - 1
    assert [done for done, _ in told] == sorted(done for done, _ in told)
    # The line that says the session's length was said once it was known, and only then.
    assert not any("{minutes}" in text for text in both.rendered)
