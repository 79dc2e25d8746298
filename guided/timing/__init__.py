"""Time: a Script placed as a Timeline (every event at an absolute sample), fitted to a length
within its stretchable pauses; and times written for people (1:05, 00:01:05.000).

May import: scripts and the floor. Imported by: audio and every room above.
"""
