"""The platform guided runs on, and how its system parts (espeak-ng, ffmpeg, PortAudio) and Python
packages are installed there: the fix that `guided doctor` and error messages print.
"""

from __future__ import annotations

import os
import platform
import sys


def system() -> str:
    """debian, fedora, arch, suse, alpine or linux; macos; windows; or the platform's own name."""
    name = platform.system()
    if name == "Darwin":
        return "macos"
    if name == "Windows":
        return "windows"
    if name != "Linux":
        return name.lower()
    try:
        release = platform.freedesktop_os_release()
    except OSError:
        return "linux"
    family = f"{release.get('ID', '')} {release.get('ID_LIKE', '')}".lower().split()
    for known, names in (("debian", ("debian", "ubuntu")), ("fedora", ("fedora", "rhel", "centos")),
                         ("arch", ("arch",)), ("suse", ("suse", "opensuse")), ("alpine", ("alpine",))):
        if any(n in family for n in names):
            return known
    return "linux"


def describe_platform() -> str:
    name = platform.system()
    if name == "Linux":
        try:
            return f"Linux ({platform.freedesktop_os_release().get('PRETTY_NAME', 'unknown')})"
        except OSError:
            return "Linux"
    if name == "Darwin":
        return f"macOS {platform.mac_ver()[0]}".strip()
    return f"{name} {platform.release()}".strip()


def _sudo() -> str:
    return "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "


# System packages by platform: (espeak-ng, ffmpeg, portaudio).
_PACKAGE_COMMANDS = {
    "debian": ("apt-get install", ("espeak-ng libespeak-ng1", "ffmpeg", "libportaudio2")),
    "fedora": ("dnf install", ("espeak-ng", "ffmpeg", "portaudio")),
    "arch": ("pacman -S", ("espeak-ng", "ffmpeg", "portaudio")),
    "suse": ("zypper install", ("espeak-ng", "ffmpeg", "portaudio")),
    "alpine": ("apk add", ("espeak-ng", "ffmpeg", "portaudio")),
}
_PART = {"espeak": 0, "ffmpeg": 1, "portaudio": 2}


def pip(*packages: str) -> str:
    """The pip command for this very Python (the one guided runs in)."""
    python = sys.executable or "python"
    if " " in python:
        python = f'"{python}"'
    return f"{python} -m pip install {' '.join(packages)}"


def fix_for(part: str, where: str | None = None) -> str:
    """The command that installs a system part ("espeak", "ffmpeg" or "portaudio") here."""
    where = where or system()
    if where in _PACKAGE_COMMANDS:
        command, packages = _PACKAGE_COMMANDS[where]
        return f"{_sudo()}{command} {packages[_PART[part]]}"
    if where == "macos":
        return {
            "espeak": f"pyttsx3 uses the macOS voices through PyObjC: {pip('--force-reinstall', 'pyttsx3', 'pyobjc')}",
            "ffmpeg": "brew install ffmpeg",
            "portaudio": f"{pip('--force-reinstall', 'sounddevice')} (its wheel includes PortAudio), or brew install portaudio",
        }[part]
    if where == "windows":
        return {
            "espeak": f"pyttsx3 uses the Windows SAPI5 voices: {pip('--force-reinstall', 'pyttsx3', 'pywin32')}",
            "ffmpeg": "winget install ffmpeg",
            "portaudio": f"{pip('--force-reinstall', 'sounddevice')} (its wheel includes PortAudio)",
        }[part]
    names = {"espeak": "espeak-ng", "ffmpeg": "ffmpeg", "portaudio": "PortAudio (libportaudio)"}
    return f"install {names[part]} with your system's package manager"
