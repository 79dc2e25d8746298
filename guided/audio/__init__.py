"""Sound besides speech, and the mix: the mixer that turns a Timeline into blocks of samples, the
built-in bells and background beds (and how they are synthesised), and a user's own sound files
used as a bell or a bed.

May import: timing, tts (clips), scripts, dsp and the floor. Imported by: session, play, export,
checks and the edges.
"""
