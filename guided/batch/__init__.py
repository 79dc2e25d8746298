"""Many sessions to one folder: which sessions a batch exports (the library, a series, a folder
of scripts), the content hash that says whether a file is up to date, the workers that export
them in parallel (`jobs`) and their progress as one figure (`progress`), and the folder's index
and playlist.

May import: session, export and everything below. Imported by: cli, serve.
"""
