#!/bin/sh
# Installs the system packages guided needs, when they are missing: espeak-ng (speech), ffmpeg
# (encoding and decoding) and PortAudio (playback); with "test" (make test), where apt-get is, also
# Chromium, for the tests of `guided serve`: a demo never needs a browser. apt-get as root, sudo
# when it needs no password; otherwise it prints the exact command to run and stops.
#   sh tools/ensure-system-deps.sh demo|test
set -eu

purpose="${1:-test}"
chromium="${GUIDED_CHROMIUM:-/usr/bin/chromium}"  # where the serve tests look for it

missing=""
command -v espeak-ng >/dev/null 2>&1 || missing="$missing espeak-ng"
ldconfig -p 2>/dev/null | grep -q 'libespeak-ng\.so\.1' || missing="$missing libespeak-ng1"
command -v ffmpeg >/dev/null 2>&1 || missing="$missing ffmpeg"
command -v ffprobe >/dev/null 2>&1 || missing="$missing ffmpeg"
ldconfig -p 2>/dev/null | grep -q 'libportaudio\.so\.2' || missing="$missing libportaudio2"
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing="$missing python3-venv"
# The tests of `guided serve` drive its page in a real headless browser: Debian's Chromium.
if [ "$purpose" = test ]; then
    [ -x "$chromium" ] || ! command -v apt-get >/dev/null 2>&1 || missing="$missing chromium"
fi
missing=$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/^ *//; s/ *$//')

[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "guided needs: $missing" >&2
    echo "Install them with your system's package manager (macOS: brew install espeak-ng ffmpeg portaudio), then run make again." >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo"
else
    echo "guided needs these system packages: $missing" >&2
    echo "Run:  sudo apt-get update && sudo apt-get install -y $missing" >&2
    echo "then run make again." >&2
    exit 1
fi

echo "installing system packages: $missing" >&2
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq $missing >/dev/null
