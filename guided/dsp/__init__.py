"""The signal arithmetic every sound shares: resampling, levels and envelopes, loudness after
EBU R128 (K-weighting, step powers, gated integration), and the peak guard.

Pure numpy on arrays of samples: no files but a small cache of step powers, no devices.
May import: the floor (files, errors). Imported by: tts (the clip cache), audio, and above.
"""
