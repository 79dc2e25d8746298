"""The signal arithmetic every sound shares: resampling, levels and envelopes, loudness after
EBU R128 (K-weighting, step powers, gated integration), and the peak guard.

Pure numpy on arrays of samples: no files but a small cache of step powers, no devices.
May import: the floor (files, errors). Imported by: tts (the clip cache), audio, and above.
Here, numpy-free for lengths worked out without any sound: how long a resampled sound is.
"""


def resampled_length(frames: int, source: int, target: int) -> int:
    """Frames after `resample`: the same duration, rounded up to a whole frame."""
    return -(-frames * target // source)
