"""A listing's lengths come from what is known ahead: a user's bell is measured from its file's
header, never decoded (an hour-long bell would take gigabytes and half a minute to decode)."""

from __future__ import annotations

import wave

import pytest


def test_a_user_bell_is_measured_from_its_header_without_being_decoded(tmp_path, monkeypatch, guided_home):
    from guided.audio import stored
    from guided.session.library import bell_length

    bell = tmp_path / "long-bowl.wav"
    with wave.open(str(bell), "wb") as f:  # 90 s of quiet at 8 kHz: a header that says its length
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(8000)
        f.writeframes(b"\x00\x00" * 8000 * 90)

    def no_decoding(*args, **kwargs):
        raise AssertionError("a listing decoded a sound file")

    monkeypatch.setattr(stored, "decoded", no_decoding)
    assert bell_length(str(bell), 44100) == pytest.approx(90 * 44100, abs=2)
    long = tmp_path / "hour-long-bowl.wav"  # a header that says an hour: a bell rings two minutes at most
    with wave.open(str(long), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(8000)
        f.writeframes(b"\x01\x00" * 8000)
    with open(long, "r+b") as f:  # the sizes in the RIFF header, as a recorder that is still writing leaves them
        f.seek(4)
        f.write((36 + 2 * 8000 * 3600).to_bytes(4, "little"))
        f.seek(40)
        f.write((2 * 8000 * 3600).to_bytes(4, "little"))
    assert bell_length(str(long), 44100) == 120 * 44100
    assert bell_length(str(tmp_path / "nowhere.wav"), 44100) == 10 * 44100  # unknown: the usual estimate

