"""What you have practised: the practice log (a private SQLite file), what it says back in plain
words, and the pictures (the practice calendar, and a session's map), drawn with matplotlib.

A session is only read (its timeline and mixer), never imported. May import: timing and the
floor. Imported by: session (`log=True`), journal and the edges.
"""
