"""A listing's lengths come from what is known ahead: a user's bell is measured from its file's
header, never decoded (an hour-long bell would take gigabytes and half a minute to decode)."""

from __future__ import annotations

import wave

import pytest


def test_a_user_bell_is_measured_from_its_header_without_being_decoded(tmp_path, monkeypatch, guided_home):
    from guided.audio import user_files
    from guided.session.library import bell_length

    bell = tmp_path / "long-bowl.wav"
    with wave.open(str(bell), "wb") as f:  # 90 s of quiet at 8 kHz: a header that says its length
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(8000)
        f.writeframes(b"\x00\x00" * 8000 * 90)

    def no_decoding(*args, **kwargs):
        raise AssertionError("a listing decoded a sound file")

    monkeypatch.setattr(user_files, "decode", no_decoding)
    assert bell_length(str(bell), 44100) == pytest.approx(90 * 44100, abs=2)
    assert bell_length(str(tmp_path / "nowhere.wav"), 44100) == 10 * 44100  # unknown: the usual estimate

