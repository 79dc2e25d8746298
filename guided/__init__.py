"""guided: voice-guided meditation and reflection, offline."""

__version__ = "0.1.0"
