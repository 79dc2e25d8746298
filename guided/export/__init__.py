"""One session to one file: the mixer's blocks streamed through ffmpeg, in a format, with tags,
chapters, a cover and captions, renamed into place only when whole.

May import: audio, timing, scripts, dsp and the floor (a Session is only read, never imported).
Imported by: session (`Session.export`), batch, and the edges.
"""
