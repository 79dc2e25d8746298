"""What a pyttsx3 engine's identity needs to know about espeak-ng, learnt without starting it.

The identity of a pyttsx3 voice (and so the key of every cached clip) names pyttsx3's and
espeak-ng's versions and the voice. Starting espeak-ng only to ask for its default voice would
slow every warm start, so the default voice, once learnt, is remembered in the cache folder for
that pair of versions; the versions themselves are read without starting anything.
"""

from __future__ import annotations

import json
import platform
import sys

from ..files import read_state_json, write_atomic
from ..paths import installed_version, paths

DEFAULT_VOICE_MEMO = "pyttsx3-default-voice.json"


def default_voice_key() -> str | None:
    """What espeak-ng's default voice depends on: the pyttsx3 and espeak-ng versions (learnt by
    loading the library, without starting it); None where pyttsx3 does not drive espeak-ng."""
    if sys.platform in ("darwin", "win32"):  # pyttsx3's own choice of driver: espeak elsewhere
        return None
    try:
        from pyttsx3.drivers import _espeak  # noqa: F401  (fails here when libespeak-ng is missing)
    except Exception:  # no library, or pyttsx3 missing: the full start says what is wrong
        return None
    return f"pyttsx3 {installed_version('pyttsx3')} {backend_version()}"


def known_default_voice() -> tuple[str, str] | None:
    """(voice, identity base) remembered from an earlier start of espeak-ng, or None."""
    key = default_voice_key()
    if key is None:
        return None
    voice = (read_state_json(paths().cache / DEFAULT_VOICE_MEMO, "the remembered default voice") or {}).get(key)
    return (voice, f"{key} voice={voice}") if isinstance(voice, str) and voice else None


def remember_default_voice(voice: str) -> None:
    """Keep `voice`, just learnt from a started espeak-ng, as the default for these versions."""
    key = default_voice_key()
    if key is None:
        return
    memo = paths().cache / DEFAULT_VOICE_MEMO
    known = read_state_json(memo, "the remembered default voice") or {}
    if known.get(key) == voice:
        return
    known[key] = voice
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(memo, json.dumps(known, indent=1, sort_keys=True).encode())
    except OSError:
        pass  # only a memo: the next start starts espeak-ng to learn it again


def backend_version() -> str:
    """espeak-ng's version as the identity names it (the library is loaded, not started)."""
    if platform.system() != "Linux":
        return platform.system()
    try:
        from pyttsx3.drivers import _espeak

        return "espeak-ng-" + (_espeak.Info(None) or b"?").decode(errors="replace").split()[0]
    except Exception:  # the version only refines the cache key; never fail over it
        return "espeak"
