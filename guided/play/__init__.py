"""Hearing a session now: the player (the mixer's blocks through a sounddevice stream), the
controls that steer it (pause, seek, sections, volume; and the keys that call them), progressive
rendering (playing while speech still renders), and the sound devices.

sounddevice is imported only when a device is really opened. May import: audio, timing, tts,
scripts, dsp and the floor. Imported by: session, journal and the edges.
"""
