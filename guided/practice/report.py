"""What the practice log says back: this week, this month (or since a date) as totals, and the same
in plain, kind words; the minutes of each day for the calendar picture.

The words count what was given, never what was not: there are no streaks, goals or missed days
here, and an empty week is simply quiet. A sitting is a session heard or a journal sitting; an
export is counted apart, since nothing has been heard yet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from . import log
from .log import Practice


@dataclass(frozen=True)
class Period:
    """The entries of one stretch of days, `first` to `last` (both included)."""

    name: str  # "week", "month" or "since"
    first: date
    last: date
    entries: tuple[Practice, ...]

    @property
    def sittings(self) -> tuple[Practice, ...]:
        return tuple(e for e in self.entries if e.kind in ("play", "journal"))

    @property
    def heard_ms(self) -> int:
        return sum(e.heard_ms for e in self.sittings)

    @property
    def answers(self) -> int:
        return sum(e.answers for e in self.entries if e.kind == "journal")

    @property
    def exports(self) -> tuple[Practice, ...]:
        return tuple(e for e in self.entries if e.kind == "export")

    def sessions(self) -> list[dict]:
        """Each session practised, most often first (then longest heard)."""
        times = Counter(e.session for e in self.sittings)
        heard = Counter()
        titles = {}
        for e in self.sittings:
            heard[e.session] += e.heard_ms
            titles[e.session] = e.title
        order = sorted(times, key=lambda s: (-times[s], -heard[s], s))
        return [{"id": s, "title": titles[s], "sittings": times[s], "minutes": round(heard[s] / 60_000, 1)}
                for s in order]

    def returned_to(self) -> list[str]:
        """The sessions come back to most often in this period (only when that is more than once)."""
        rows = self.sessions()
        if not rows or rows[0]["sittings"] < 2:
            return []
        return [r["id"] for r in rows if r["sittings"] == rows[0]["sittings"]]

    def as_dict(self) -> dict:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "minutes": round(self.heard_ms / 60_000, 1),
            "seconds": round(self.heard_ms / 1000, 1),
            "sittings": len(self.sittings),
            "plays": sum(1 for e in self.entries if e.kind == "play"),
            "journal_sittings": sum(1 for e in self.entries if e.kind == "journal"),
            "answers": self.answers,
            "exports": len(self.exports),
            "sessions": self.sessions(),
            "returned_to": self.returned_to(),
        }


@dataclass(frozen=True)
class Summary:
    today: date
    week: Period
    month: Period
    since: Period | None
    entries: tuple[Practice, ...]  # every entry the periods cover, oldest first

    def as_dict(self) -> dict:
        return {
            "today": self.today.isoformat(),
            "week": self.week.as_dict(),
            "month": self.month.as_dict(),
            "since": self.since.as_dict() if self.since else None,
            "entries": [e.as_dict() for e in self.entries],
        }


def summary(today: date | None = None, since: date | None = None, path: Path | None = None) -> Summary:
    """This week (from Monday), this month and, when asked, the days since `since`, up to `today`."""
    today = today or date.today()
    week_start = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    first = min(d for d in (week_start, month_start, since) if d is not None)
    found = tuple(log.entries(first, today, path))

    def period(name: str, start: date) -> Period:
        return Period(name, start, today, tuple(e for e in found if e.day >= start))

    return Summary(today, period("week", week_start), period("month", month_start),
                   period("since", since) if since else None, found)


def daily_minutes(first: date, last: date, path: Path | None = None) -> dict[date, float]:
    """Minutes heard on each day from `first` to `last`, every day present (0 for a quiet one)."""
    days = {first + timedelta(days=n): 0.0 for n in range((last - first).days + 1)}
    for entry in log.entries(first, last, path):
        if entry.kind in ("play", "journal"):
            days[entry.day] += entry.heard_ms / 60_000
    return days


# --- words --------------------------------------------------------------------------------------


def duration_words(ms: int) -> str:
    """A length as a person says it: "a few moments", "1 minute", "1 hour and 5 minutes"."""
    minutes = round(ms / 60_000)
    if minutes == 0:
        return "a few moments" if ms > 0 else "no time"
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours > 1 else ""))
    if rest:
        parts.append(f"{rest} minute" + ("s" if rest > 1 else ""))
    return " and ".join(parts)


def _count(n: int, one: str, many: str) -> str:
    return f"one {one}" if n == 1 else f"{n} {many}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def period_words(period: Period, label: str) -> str:
    """One short paragraph about a period; `label` opens it ("This week", "Since 3 May")."""
    sittings = period.sittings
    exports = len(period.exports)
    if not sittings and not exports:
        return f"{label}, nothing is in the log yet, and that is all right."
    sentences = []
    if sittings:
        over = "in one sitting" if len(sittings) == 1 else f"over {len(sittings)} sittings"
        sentences.append(f"{label} you gave yourself {duration_words(period.heard_ms)} of practice, {over}.")
        if period.answers:
            sentences.append(f"You sat with {_count(period.answers, 'question', 'questions')} in your journal.")
        returned = period.returned_to()
        if returned:
            sentences.append(f"You came back to {_and(returned)} most often.")
    if exports:
        also = "You also" if sittings else f"{label} you"
        sentences.append(f"{also} saved {_count(exports, 'session', 'sessions')} to listen to wherever you like.")
    return " ".join(sentences)


def words(found: Summary) -> list[str]:
    """The summary as paragraphs of plain, kind words: the period since a date when one was asked
    for, else this week and this month."""
    if found.since is not None:
        return [period_words(found.since, f"Since {_day(found.since.first, found.today)}")]
    paragraphs = [period_words(found.week, "This week")]
    if {e.id for e in found.month.entries} == {e.id for e in found.week.entries} and found.week.entries:
        paragraphs.append("That is all of this month so far.")
    else:
        paragraphs.append(period_words(found.month, "This month"))
    return paragraphs


def _day(day: date, today: date) -> str:
    text = f"{day.day} {day:%B}"
    return text if day.year == today.year else f"{text} {day.year}"
