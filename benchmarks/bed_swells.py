"""How still the bed stays under the voice: swells a minute for each built-in session.

Each session is prepared as `guided export ID --voice-volume -60dB --bell-volume -60dB` would make
it (the same blocks export and play read), so that only the bed is heard, and its level measured
over 400 ms windows; a swell is a rise of 6 dB or more within 2 s (guided.dsp.swells). The bed's
fades at both ends are left out. Also counted: the pauses between phrases, by length, and the
swells that begin inside a pause shorter than the duck's hold (which should be none).

    python benchmarks/bed_swells.py [ID ...] [--minutes N] [--duck 10dB] [--duck-hold 7s] [--engine pyttsx3]

Speech is rendered (or read from the clip cache) as by any export: run it with the GUIDED_HOME
whose cache you want to use.
"""

from __future__ import annotations

import argparse
import datetime

import guided
from guided.audio.mixer import FADE_MS
from guided.dsp.swells import WINDOW_S, WITHIN_S, swells, window_levels


def pauses(timeline) -> list[tuple[float, float]]:
    """(start, end) in seconds of each silence between two phrases."""
    rate = timeline.rate
    speech = sorted(timeline.speech, key=lambda e: e.start)
    found = []
    end = None
    for event in speech:
        if end is not None and event.start > end:
            found.append((end / rate, event.start / rate))
        end = event.end if end is None else max(end, event.end)
    return found


def measure(session_id: str, **choices) -> dict:
    """The bed's swells in one session, as the module's docstring says."""
    session = guided.prepare(session_id, voice_volume=-60.0, bell_volume=-60.0, **choices)
    levels = window_levels(session.blocks(), session.rate)
    fade = FADE_MS / 1000 + WINDOW_S
    seconds = session.seconds
    found = [t for t in swells(levels) if fade <= t <= seconds - fade - 2.0]
    hold = session.options.duck_hold_ms / 1000
    gaps = pauses(session.timeline)
    short = [(a, b) for a, b in gaps if b - a < hold]
    # A swell is dated by its foot; its rise may begin up to WITHIN_S later, in the pause after it.
    inside = [t for t in found if any(t < b and t + WITHIN_S > a for a, b in short)]
    return {
        "id": session_id,
        "minutes": seconds / 60,
        "swells": len(found),
        "per_minute": len(found) / (seconds / 60),
        "in_short_pauses": len(inside),
        "pauses": len(gaps),
        "pauses_3_to_6s": sum(1 for a, b in gaps if 3 <= b - a <= 6),
        "pauses_over_hold": len(gaps) - len(short),
        "swell_times": found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="session ids (default: every built-in session)")
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--engine", default="pyttsx3")
    parser.add_argument("--duck", default=None, help="how far the bed dips, e.g. 10dB")
    parser.add_argument("--duck-hold", default=None, help="pauses shorter than this keep the bed down, e.g. 7s")
    parser.add_argument("--verbose", action="store_true", help="list each swell's time")
    args = parser.parse_args()
    ids = args.ids or [info.id for info in guided.library().sessions()]
    choices = {"engine": args.engine, "minutes": args.minutes, "duck": args.duck, "duck_hold": args.duck_hold}
    choices = {k: v for k, v in choices.items() if v is not None}
    print(f"measured {datetime.date.today()}, {', '.join(f'{k}={v}' for k, v in choices.items())}")
    print("| session | minutes | swells | a minute | in pauses under the hold | pauses (3-6 s, over the hold) |")
    print("|---|---:|---:|---:|---:|---:|")
    for session_id in ids:
        row = measure(session_id, **choices)
        print(f"| {row['id']} | {row['minutes']:.1f} | {row['swells']} | {row['per_minute']:.2f} | "
              f"{row['in_short_pauses']} | {row['pauses']} ({row['pauses_3_to_6s']}, {row['pauses_over_hold']}) |",
              flush=True)
        if args.verbose:
            print("    swells at", ", ".join(f"{t:.1f}" for t in row["swell_times"]))


if __name__ == "__main__":
    main()
