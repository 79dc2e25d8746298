"""Checks before anything is rendered: `guided doctor` (is everything installed and working), and
`guided validate` (scripts, the sounds they name, config.toml), with the platform's fix for
each missing part.

May import every room below the edges. Imported by: cli.
"""
