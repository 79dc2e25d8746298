"""The facade: `prepare` and the `Session` it returns (`prepared`), the library as a program sees it
(`library`), and the one estimator of a session's length before its speech is rendered (`lengths`).

A session is a script with its speech rendered, every event placed and the mix set up, the same
for every use: play, export, journal and serve all hear the same samples.

May import: play, practice, export, audio, timing, tts, scripts, dsp and the floor. Imported by:
journal, batch, checks, serve, cli, and `guided` itself. Listing lengths imports no numpy; preparing
a session does.
"""


def __getattr__(name: str):
    if name in ("Session", "prepare"):  # without loading the audio machinery for a listing
        from . import prepared

        return getattr(prepared, name)
    raise AttributeError(f"module 'guided.session' has no attribute {name!r}")
