"""The Whisper model's lifetime: loaded once for a sitting, on first use, shared by the transcripts
and the spoken commands, and let go when the sitting ends, so a process that lives on (the Python
API, `guided serve`) keeps neither the model nor a thread. The loader is faked here (no model is
loaded); the recordings and their decoding are real."""

from __future__ import annotations

import contextlib
import gc
import threading
import types
import wave
import weakref

import numpy as np
import pytest

from guided.errors import GuidedError
from guided.journal import answers, microphone, sitting, whisper_engine
from guided.journal.transcription import PIECE_SECONDS, WHISPER_RATE, pieces, transcribe_audio
from guided.journal.whisper_engine import SharedModel
from guided.journal.whisper_models import ModelFolder
from guided.options import resolve

DECK = """---
title: Two questions
kind: journal
background: none
---
## Questions
1. What made you smile today?
2. What would you like to let go of?
"""


class FakeWhisper:
    """Stands in for a loaded faster-whisper model: every recording is heard as the same words, one
    second in; it notes what it was given."""

    def __init__(self) -> None:
        self.given: list[int] = []  # samples of each piece it was asked to write down

    def transcribe(self, audio, **options):
        self.given.append(len(audio))
        word = types.SimpleNamespace(start=1.0, end=1.5, word=" Hello")
        return iter([types.SimpleNamespace(start=1.0, end=1.5, text=" Hello.", words=[word])]), None


class Loader:
    """A fake `load_whisper` that counts what it loaded (weakly: it keeps nothing alive)."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.loaded: list[weakref.ref] = []

    def __call__(self, folder, threads, callers):
        self.calls.append((folder, threads, callers))
        model = FakeWhisper()
        self.loaded.append(weakref.ref(model))
        return model


def alive(loader: Loader) -> list:
    gc.collect()
    return [ref() for ref in loader.loaded if ref() is not None]


# --- the shared model -------------------------------------------------------------------------


def test_a_shared_model_is_loaded_once_by_whichever_thread_needs_it_first(tmp_path):
    loader = Loader()
    shared = SharedModel(ModelFolder("m", tmp_path, "folder"), threads=1, callers=2, loader=loader)
    assert not shared.loaded and loader.calls == []  # nothing is loaded until it is needed
    got, start = [], threading.Barrier(8)

    def use():
        start.wait()
        got.append(shared.get())

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loader.calls) == 1 and loader.calls[0][1:] == (1, 2)
    assert len(got) == 8 and all(model is got[0] for model in got)


def test_a_closed_model_is_let_go_and_never_loaded_again(tmp_path):
    loader = Loader()
    with SharedModel(ModelFolder("m", tmp_path, "folder"), loader=loader) as shared:
        shared.get()
        assert len(alive(loader)) == 1
    assert alive(loader) == [] and not shared.loaded
    with pytest.raises(GuidedError, match="let go"):
        shared.get()  # a job left over from an ended sitting
    assert len(loader.calls) == 1


def test_a_transcript_from_a_model_folder_loads_it_for_that_call_only(tmp_path, monkeypatch):
    loader = Loader()
    monkeypatch.setattr(whisper_engine, "load_whisper", loader)
    transcript = transcribe_audio(np.zeros(3 * WHISPER_RATE, np.float32), ModelFolder("m", tmp_path, "folder"))
    assert transcript.text == "Hello." and len(loader.calls) == 1
    assert alive(loader) == []


# --- long recordings, a piece at a time -------------------------------------------------------


def test_a_long_recording_is_cut_in_its_pauses_into_pieces_no_longer_than_the_longest():
    rng = np.random.default_rng(1)
    audio = (rng.standard_normal(200 * WHISPER_RATE) * 0.1).astype(np.float32)  # a voice that never stops...
    pauses = [27.3, 51.0, 77.7, 101.2, 128.9, 150.4, 175.5]  # ...but for a quarter second now and then
    for at in pauses:
        audio[int(at * WHISPER_RATE): int((at + 0.25) * WHISPER_RATE)] *= 0.001
    found = pieces(audio, PIECE_SECONDS * WHISPER_RATE)
    assert found[0][0] == 0 and found[-1][1] == len(audio)
    assert all(end == start for (_, end), (start, _) in zip(found, found[1:], strict=False))  # nothing lost
    assert all(end - start <= PIECE_SECONDS * WHISPER_RATE for start, end in found)
    for _, cut in found[:-1]:  # every cut falls in a pause
        assert any(at <= cut / WHISPER_RATE <= at + 0.25 for at in pauses), cut / WHISPER_RATE
    short = np.zeros(PIECE_SECONDS * WHISPER_RATE, np.float32)
    assert pieces(short, PIECE_SECONDS * WHISPER_RATE) == [(0, len(short))]


def test_the_words_of_each_piece_keep_their_times_in_the_whole_recording(tmp_path):
    whisper = FakeWhisper()
    shared = SharedModel(ModelFolder("m", tmp_path, "folder"), loader=lambda *args: whisper)
    audio = np.zeros(70 * WHISPER_RATE, np.float32)  # quiet all through: three pieces, cut near 20 and 40 s
    transcript = transcribe_audio(audio, shared)
    assert len(whisper.given) == 3
    assert max(whisper.given) <= PIECE_SECONDS * WHISPER_RATE and sum(whisper.given) == len(audio)
    starts = [0, *np.cumsum(whisper.given)[:-1]]
    assert [w.start_ms for w in transcript.words] == [round(s * 1000 / WHISPER_RATE) + 1000 for s in starts]
    assert transcript.audio_ms == 70_000


# --- a sitting --------------------------------------------------------------------------------


@pytest.mark.skipif(not whisper_engine.engine_available(), reason="needs faster-whisper (its decoder reads answers)")
def test_a_recorded_sitting_loads_one_model_for_its_answers_and_commands_and_lets_it_go_at_the_end(
        guided_home, fake_voice, fast_sound_card, monkeypatch, tmp_path):
    loader = Loader()
    monkeypatch.setattr(whisper_engine, "load_whisper", loader)
    monkeypatch.setattr(microphone, "Microphone", lambda device: contextlib.nullcontext())
    heard_with = []

    def record_answer(audio, *, hear, **kwargs):
        heard_with.append(hear.model.get())  # what the recogniser writes a command down with
        with wave.open(str(audio), "wb") as f:
            f.setnchannels(1), f.setsampwidth(2), f.setframerate(44100)
            f.writeframes(bytes(2 * 44100 * 2))
        return microphone.Recording(audio, 2.0, True, "silence", speech_seconds=1.0)

    monkeypatch.setattr(answers, "record_answer", record_answer)
    deck = tmp_path / "two.md"
    deck.write_text(DECK)
    before = set(threading.enumerate())
    held = sitting.run(sitting.plan(str(deck), mode="record"), resolve(), log=False, model=str(fake_model(tmp_path)))

    assert [a.transcript for a in held.answers.values()] == ["Hello.", "Hello."]  # both written down...
    assert len(loader.calls) == 1 and loader.calls[0][2] == 2  # ...by one model, shared with the commands,
    assert len(heard_with) == 2 and heard_with[0] is heard_with[1]
    del heard_with[:]
    assert alive(loader) == []  # let go when the sitting ended,
    (worker,) = [t for t in set(threading.enumerate()) - before if t.name == "guided-transcribe"] or [None]
    if worker is not None:  # its thread ends too, once told (it is never waited for)
        worker.join(timeout=10)
        assert not worker.is_alive()


def fake_model(tmp_path):
    """A folder that passes for a Whisper model (the loader is faked: its weights are never read)."""
    import json

    folder = tmp_path / "tiny-fake"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"\0" * 1000)
    (folder / "config.json").write_text(json.dumps({"alignment_heads": [[1, 0]], "suppress_ids_begin": [220]}))
    (folder / "tokenizer.json").write_text("{}")
    return folder
