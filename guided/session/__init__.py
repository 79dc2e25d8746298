"""The facade: `prepare` and the `Session` it returns, the library as a program sees it, and the
one estimator of a session's length.

A session is a script with its speech rendered, every event placed and the mix set up, the same
for every use: play, export, journal and serve all hear the same samples.

May import: play, practice, audio, timing, tts, library, dsp and the floor (paths, options, files,
signals, errors). Imported by: journal, export, checks, cli, serve, and `guided` itself.
"""

from .prepared import Session, prepare

__all__ = ["Session", "prepare"]
