"""Sound devices: PortAudio through sounddevice, imported only when sound is really needed, the
list of devices, and choosing one by name or number. Playback and recording both start here."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DeviceError, MissingDependencyError

PORTAUDIO_HINT = (
    "PortAudio is not installed; Debian/Ubuntu: sudo apt-get install libportaudio2, macOS: brew install portaudio "
    "(or export the session instead: guided export ID -o FILE)"
)

def import_sounddevice():
    """sounddevice, imported only when sound is really needed (so --help works without PortAudio)."""
    try:
        import sounddevice
    except OSError:  # the module loads but finds no PortAudio library
        raise MissingDependencyError(PORTAUDIO_HINT) from None
    except ImportError:
        raise MissingDependencyError("the sounddevice package is missing: pip install sounddevice") from None
    return sounddevice


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    hostapi: str
    inputs: int
    outputs: int
    default_rate: float
    default_input: bool
    default_output: bool


def sound_devices() -> list[Device]:
    sd = import_sounddevice()
    try:
        found = sd.query_devices()
        apis = sd.query_hostapis()
        default_in, default_out = sd.default.device
    except sd.PortAudioError as exc:
        raise DeviceError(f"cannot list sound devices: {exc}") from None
    return [
        Device(
            index=i,
            name=d["name"],
            hostapi=apis[d["hostapi"]]["name"],
            inputs=d["max_input_channels"],
            outputs=d["max_output_channels"],
            default_rate=d["default_samplerate"],
            default_input=i == default_in,
            default_output=i == default_out,
        )
        for i, d in enumerate(found)
    ]


def choose_device(spec: str | None, kind: str = "output") -> int | None:
    """The device index for `--device NAME|INDEX` (None: the system default), or a clear error."""
    listed = sound_devices()
    usable = [d for d in listed if (d.outputs if kind == "output" else d.inputs) > 0]
    if not usable:
        advice = "export the session instead: guided export ID -o FILE" if kind == "output" else "use --reflect or --type"
        raise DeviceError(f"no sound {kind} device found; {advice}")
    if spec is None:
        return None
    if spec.strip().isdigit():
        index = int(spec)
        if any(d.index == index for d in usable):
            return index
        raise DeviceError(f"no {kind} device number {index}; 'guided devices' lists them")
    matches = [d for d in usable if spec.lower() in d.name.lower()]
    if len(matches) == 1:
        return matches[0].index
    if not matches:
        raise DeviceError(f"no {kind} device called {spec!r}; 'guided devices' lists them")
    names = ", ".join(f"{d.index}: {d.name}" for d in matches)
    raise DeviceError(f"{spec!r} matches several {kind} devices ({names}); give its number")
