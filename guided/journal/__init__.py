"""Journaling: a sitting that narrates questions and takes the answers (in silence, at a key,
typed or spoken), the entries it keeps as Markdown with their recordings, the microphone and the
voice activity detector, transcription with Whisper models, and search across answers.

May import: session, play, practice and everything below. Imported by: checks, cli.
"""
