"""Starting points for a user's own scripts: one commented template per kind, for `guided new`.

Each template is a working script that teaches the language through its comments, so that a new
author can listen to it at once and change it line by line.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import OutputError
from .catalog import BUILT_IN, Catalog, check_id, save, user_dir
from .language import KINDS, parse_script

_GUIDE = """<!-- Your own session. Anything between these comment marks is never spoken.
     How a script works:
       a plain line            is spoken, as one phrase with its own caption
       a blank line            is a short natural pause, about a second
       ## Heading              starts a section (a chapter you can skip to); never spoken
       [pause 4s]              silence of that length (500ms, 4s, 2m, 1m30s)
       [pause 3s..8s]          silence that may stretch or shrink within 3 to 8 seconds, so that
                               'guided play ID --minutes 10' can fit the session to ten minutes
       [bell]  [bell chime]    a bell: bowl (the default), chime or gong, or any sound file
       [breathe in 4s, hold 2s, out 6s, x5]   a paced breath, counted aloud for the first three
       [sit 3m..8m, bell every 1m]            silent sitting, with an optional soft interval bell
       1. A question?          a reflection question, followed by quiet time: a line 'reflect: 90s'
                               in the front matter sets it for all; end one with [pause 2m] for its own
     Check it with 'guided validate {id}', see it with times with 'guided show {id}',
     hear it with 'guided play {id}'. 'guided help script' shows the whole language. -->"""

_BODIES = {
    "meditation": """## Arriving
[bell]
Welcome. This is a gentle self-reflection practice, not a substitute for a therapist, and you may pause or stop at any time.
[pause 2s..5s]
Let yourself arrive, just as you are.
[pause 3s..6s]
Feel where your body meets the chair, the cushion, or the floor.
Let it hold you for a while.
[pause 3s..8s]

## Breathing
<!-- Breathing cues are spoken for three breaths; after that they keep time in silence. -->
Let's breathe slowly together.
[pause 1s..3s]
[breathe in 4s, out 6s, x5]
[pause 3s..6s]

## Resting
Now simply rest. If your mind wanders, that is fine. Come back to the next breath.
<!-- A silent sitting that may last anywhere from one to five minutes when the session is fitted. -->
[sit 1m..5m, bell every 1m]

## Returning
Slowly let your attention widen to the room around you.
[pause 3s..6s]
Thank yourself for this time. Come back whenever you like.
[pause 2s..4s]
[bell]
""",
    "talk": """## Opening
[bell]
Welcome. This talk is for self-reflection, not a substitute for a therapist, and you may pause or stop at any time.
[pause 2s..4s]
<!-- Write one thought a line: each line is spoken as its own phrase, with its own caption. -->
Today I would like to share a few thoughts about being kind to ourselves.
[pause 2s..4s]

## The idea
When something is hard, we often speak to ourselves more harshly than we would to a friend.
[pause 2s..4s]
What if we tried, just for today, to use the voice we would use with someone we love?
[pause 4s..8s]

## Closing
Carry one small, kind sentence with you into the rest of your day.
[pause 3s..5s]
[bell]
""",
    "journal": """<!-- In a journal deck, the numbered lines are the questions. After each one there is quiet
     time to reflect: set it for the whole deck with 'reflect: 90s' (or a range such as 45s..3m)
     in the front matter, or give one question its own time by ending it with [pause 3m].
     'guided journal {id}' asks them one at a time; 'guided play {id}' plays them through. -->
## Arriving
[bell]
Welcome. This is a self-reflection practice, not a substitute for a therapist, and you may pause or stop at any time.
[pause 2s..4s]
Keep a notebook close, if you like, or simply listen and notice what comes.
[pause 2s..4s]
[breathe in 4s, out 6s, x3]

## Questions
1. What helped you feel safe this week, even for a moment?
2. When did you last trust your own judgement, and how did it feel?
   <!-- An indented line continues the question above it. -->
3. What is one small thing you could do tomorrow
   to be a little kinder to yourself? [pause 2m]

## Closing
That was the last question. Whatever came up is welcome.
[pause 3s..5s]
[bell]
""",
    "affirmations": """## Arriving
[bell]
Welcome. This is a gentle self-reflection practice, not a substitute for a therapist, and you may pause or stop at any time.
[pause 2s..4s]
Let your breath settle. Repeat each phrase silently, if it feels true enough for today.
[pause 2s..4s]

## Affirmations
<!-- Leave room after each affirmation, so it can be repeated inwardly. -->
I am allowed to go at my own pace.
[pause 4s..8s]
My feelings make sense, even when they are hard.
[pause 4s..8s]
I can be careful and open at the same time.
[pause 4s..8s]

## Closing
Take one of these words with you into your day.
[pause 3s..5s]
[bell]
""",
    "series": """<!-- A part of a series: set 'series:' and 'part:' in the front matter, and keep the parts
     together in one folder, named 1.md, 2.md and so on (ids such as my-series/1). -->
## Arriving
[bell]
Welcome back. This series is for self-reflection, not a substitute for a therapist, and you may pause or stop at any time.
[pause 2s..4s]
In this part, we take one small step.
[pause 2s..4s]

## This step
Think of one moment this week when you gave yourself a little patience.
[pause 4s..8s]
[breathe in 4s, out 6s, x3]
[pause 2s..4s]

## Closing
That is enough for today. The next part will be here when you are ready.
[pause 2s..4s]
[bell]
""",
    "sit": """<!-- A quiet sitting: a few words, then mostly silence. The sitting below may last from
     five to twenty minutes, so 'guided play {id} --minutes 15' sits for about fifteen. -->
## Sitting
[bell]
A time of quiet, for self-reflection. It is not a substitute for a therapist, and you may stop at any time.
[pause 2s..4s]
Settle in, and let the silence hold you.
[sit 5m..20m, bell every 5m]
[bell]
""",
}

_EXTRA = {
    "series": {"series": "My series", "part": 1},
}


def template(script_id: str, kind: str, title: str | None = None) -> str:
    """The text of a new script of this kind, with its front matter and teaching comments."""
    if kind not in _BODIES:
        raise ValueError(f"no template for kind {kind!r}")
    name = title or _title_from_id(script_id)
    head = [
        "---",
        f"title: {json.dumps(name, ensure_ascii=False)}",
        f"kind: {kind}",
        "description: One sentence about this session, for 'guided list'.",
    ]
    if kind == "meditation":
        head.append("background: warm-drone  # rain, ocean, pink-noise, brown-noise, warm-drone, a sound file, or none")
    if kind == "journal":
        head.append("reflect: 45s..2m15s  # quiet time after each question: 90s, or less or more when fitted with --minutes")
    for key, value in _EXTRA.get(kind, {}).items():
        head.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    head.append("---")
    return "\n".join(head) + "\n" + _GUIDE.replace("{id}", script_id) + "\n" + _BODIES[kind].replace("{id}", script_id)


def _title_from_id(script_id: str) -> str:
    words = script_id.replace("/", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def new_script(script_id: str, kind: str, *, title: str | None = None, force: bool = False,
               folder: Path | None = None, catalog: Catalog | None = None) -> Path:
    """Write a commented template to the user's script folder; refuses to overwrite without `force`.
    `catalog` is the catalogue whose other folders could hide it (by default the usual one)."""
    check_id(script_id)
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    folder = folder or user_dir()
    path = folder / f"{script_id}.md"
    catalog = catalog or Catalog()
    hiding = catalog.hidden_from_user_folder(script_id)
    if hiding is not None:
        raise OutputError(f"{script_id} is already in {hiding.path.parent}, which is searched before your script "
                          "folder, so a new script there would never be used; choose another id")
    existing = catalog.exists(script_id)
    if existing is not None and existing.origin == BUILT_IN and not force:
        raise OutputError(f"{script_id} is a built-in session; add --force to write your own version, used in its "
                          "place, or choose another id")
    if path.exists() and not force:
        raise OutputError(f"{path} already exists; use --force to replace it, or choose another id")
    text = template(script_id, kind, title)
    parse_script(text, str(path))  # a template that does not parse would be our bug: never write it
    save(path, text)
    return path


def replaces_builtin(script_id: str, catalog: Catalog | None = None) -> bool:
    """Whether the user's script of this id is used instead of a built-in session."""
    found = (catalog or Catalog()).exists(script_id)
    return bool(found and any(hidden.origin == BUILT_IN for hidden in found.overrides))
