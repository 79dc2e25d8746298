"""How still the bed stays under the voice: swells a minute for each built-in session.

Each session is prepared as `guided export ID --voice-volume -60dB --bell-volume -60dB --loudness -30`
would make it (the same blocks export and play read), so that only the bed is heard (quieter than
usual: brought to its loudness alone, a loud bed would meet the peak guard), and its level measured
over 400 ms windows; a swell is a rise of 6 dB or more within 2 s (guided.dsp.swells). The bed's
fades at both ends are left out. A bed with waves of its own (the ocean) swells without any duck,
so the same session is also mixed with `--duck 0dB` and the difference of the two levels measured:
the swells of the duck alone. Also counted: the pauses between phrases, by length, and the swells
heard that rise inside a pause shorter than the duck's hold (which should be none). A session
without a bed of its own is measured with rain under it, marked "(rain)".

    python benchmarks/bed_swells.py [ID ...] [--minutes N] [--duck 10dB] [--duck-hold 7s] [--engine pyttsx3]

Speech is rendered (or read from the clip cache) as by any export: run it with the GUIDED_HOME
whose cache you want to use.
"""

from __future__ import annotations

import argparse
import datetime

import guided
from guided.audio.mixer import FADE_MS
from guided.dsp.swells import WINDOW_S, stillness, window_levels


def measure(session_id: str, **choices) -> dict:
    """The bed's swells in one session, as the module's docstring says (rain under one without a bed)."""
    heard = guided.prepare(session_id, voice_volume=-60.0, bell_volume=-60.0, loudness=-30.0, **choices)
    if heard.background is None:
        choices = choices | {"background": "rain"}
        heard = guided.prepare(session_id, voice_volume=-60.0, bell_volume=-60.0, loudness=-30.0, **choices)
    rate = heard.timeline.rate
    pauses = [(a / rate, b / rate) for a, b in heard.timeline.pauses]
    hold = heard.options.duck_hold_ms / 1000
    edge = FADE_MS / 1000 + WINDOW_S
    levels = window_levels(heard.blocks(), heard.rate)
    # The same bed never ducked: the difference is the duck alone, without the bed's own waves.
    still = guided.prepare(session_id, voice_volume=-60.0, bell_volume=-60.0, loudness=-30.0, **(choices | {"duck": 0}))
    dips = levels - window_levels(still.blocks(), still.rate)
    return {
        "id": session_id + (" (rain)" if choices.get("background") == "rain" else ""),
        "heard": stillness(levels, pauses, hold, edge),
        "duck": stillness(dips, pauses, hold, edge),
        "pauses": len(pauses),
        "pauses_3_to_6s": sum(1 for a, b in pauses if 3 <= b - a <= 6),
        "pauses_over_hold": sum(1 for a, b in pauses if b - a >= hold),
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
    print("| session | minutes | swells heard | a minute | of the duck | a minute | in pauses under the hold (heard / duck) "
          "| pauses (3-6 s, over the hold) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for session_id in ids:
        row = measure(session_id, **choices)
        heard, duck = row["heard"], row["duck"]
        print(f"| {row['id']} | {heard.seconds / 60:.1f} | {len(heard.swells)} | {heard.per_minute:.2f} | "
              f"{len(duck.swells)} | {duck.per_minute:.2f} | {len(heard.in_short_pauses)} / {len(duck.in_short_pauses)} | "
              f"{row['pauses']} ({row['pauses_3_to_6s']}, {row['pauses_over_hold']}) |", flush=True)
        if args.verbose:
            print("    heard at", ", ".join(f"{t:.1f}" for t in heard.swells))


if __name__ == "__main__":
    main()
