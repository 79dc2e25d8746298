"""The clip cache keeps only real speech: an engine's empty or cut-short rendering is retried, never cached."""

from __future__ import annotations

import numpy as np
import pytest

from guided.errors import TTSError
from guided.tts.cache import ClipCache

from ..conftest import FakeEngine


class Stumbling(FakeEngine):
    """Returns nothing for the first `failures` renderings, then speaks normally."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def render(self, text: str):
        samples, rate = super().render(text)
        if self.failures:
            self.failures -= 1
            return samples[:10], rate
        return samples, rate


def test_an_empty_rendering_is_tried_again_and_the_good_one_is_kept(tmp_path):
    engine = Stumbling(failures=1)
    clip = ClipCache(tmp_path).get(engine, "four words of speech", 44100)
    assert clip.native_frames == 4 * FakeEngine.native_rate // 4
    assert engine.rendered == ["four words of speech"] * 2


def test_a_rendering_that_stays_empty_is_an_error_and_nothing_is_cached(tmp_path):
    cache = ClipCache(tmp_path)
    with pytest.raises(TTSError, match="4 words"):
        cache.get(Stumbling(failures=5), "four words of speech", 44100)
    assert not list(tmp_path.rglob("*.clip"))
    assert np.isclose(cache.get(FakeEngine(), "four words of speech", 44100).frames / 44100, 1.0, atol=0.01)


class Overtaken(FakeEngine):
    """While it renders, another process (a second cache on the same folder) stores the same phrase
    first, a few samples longer: renderings of one phrase can differ that much between processes."""

    def __init__(self, root) -> None:
        super().__init__()
        self.root = root

    def render(self, text: str):
        samples, rate = super().render(text)
        rival = FakeEngine()
        rival.render = lambda text: (np.concatenate([samples, np.zeros(6, samples.dtype)]), rate)
        rival.identity = self.identity
        ClipCache(self.root).get(rival, text, 44100)
        return samples, rate


def test_two_processes_rendering_one_phrase_both_go_on_with_the_clip_that_stays(tmp_path):
    engine = Overtaken(tmp_path)
    mine = ClipCache(tmp_path).get(engine, "four words of speech", 44100)
    (stored,) = tmp_path.rglob("*.clip")
    stays = ClipCache(tmp_path).get(FakeEngine(), "four words of speech", 44100)
    assert mine.native_frames == stays.native_frames == engine_frames(engine) + 6
    assert mine.step_powers == stays.step_powers
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".")]


def engine_frames(engine: FakeEngine) -> int:
    return len(FakeEngine.render(engine, "four words of speech")[0])
