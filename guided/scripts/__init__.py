"""What is spoken, as text: the script language (`language`), the catalogue of scripts (built-in,
your own, extra folders), the importer that makes a deck from an article or notes, templates for
new scripts, how words are pronounced, and the words a session says about itself.

Nothing here touches audio. May import: the floor. Imported by every room above it.
"""
