"""Progressive play: a session that starts while its speech still renders.

`LiveSpeech` renders the session's phrases in background threads (as many at once as the engine
can use), in the order they are heard, ahead of the playhead. Until a phrase is rendered it is placed with an estimated length (its
words at the voice's calibrated pace); as true lengths arrive, the part not yet mixed is placed
again, and a session fitted to a length has its remaining stretchable pauses fitted again, so it
still ends when asked. `LiveMixer` is what the player reads: the session's mixer, swapped for the
one of the new placement only between blocks, and a block is mixed only once every phrase it
needs is rendered (until then the player holds in silence and says it is preparing speech).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from ..audio.mixer import BLOCK, FADE_MS, Mixer
from ..timing.fitting import place_rest
from ..timing.timeline import Arrangement, EstimatedClip, Timeline

# What lies this soon after the part already mixed stays where it is, at the least. The bed's level
# at a moment depends on the phrases up to its duck's reach ahead (whether the pause it is in is long
# enough to rise into, and the dip before the next phrase), so the freeze takes in that reach past
# the block being mixed too: the bed then never changes its mind about a stretch already heard.
FREEZE_MS = 2500
# A stretch is mixed once every phrase starting before its end + this is rendered. A fitted session
# waits further ahead, by the freeze, so that the pause before a late phrase can still take up its
# true length.
READY_MARGIN_MS = 500


class LiveSpeech:
    """The phrases of one session rendered in order, `workers` at a time, in background threads, and
    the session's steps placed again as their true lengths arrive."""

    def __init__(self, arrangement: Arrangement, render: Callable[[str], object], texts: list[str],
                 target: int | None, workers: int = 1, finished: Callable[[], None] | None = None) -> None:
        """`render(text)` gives a phrase's clip (through the cache); `texts` are the phrases in the
        order they are heard; `target` the fitted length in samples (None: not fitted); `workers`
        how many phrases render at once (the next ones to be heard); `finished()` is called once,
        when the last phrase has been rendered (the engine may then let its model go)."""
        self.arrangement = arrangement
        self.target = target
        self.error: BaseException | None = None
        self._render = render
        self._finished = finished
        self._order = list(texts)
        self._workers = max(1, workers)
        self._clips: dict[str, object] = {
            i.text: i.clip for i in arrangement.items if i.kind == "speech" and not isinstance(i.clip, EstimatedClip)
        }
        self._taken: set[str] = set()  # rendering now, in one of the threads
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self.version = 0  # counts phrases rendered here: a change means the rest can be placed again
        self._stop = False
        self._threads = self._start()

    def _start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._run, name=f"guided-speech-{n}", daemon=True)
                   for n in range(min(self._workers, max(1, len(self._left()))))]
        for thread in threads:
            thread.start()
        return threads

    # rendering ----------------------------------------------------------------------------------
    def _left(self) -> list[str]:
        return [t for t in self._order if t not in self._clips]

    def _take(self) -> str | None:
        """The first phrase to be heard that is neither rendered nor being rendered, now taken."""
        with self._lock:
            text = next((t for t in self._order if t not in self._clips and t not in self._taken), None)
            if text is not None:
                self._taken.add(text)
            return text

    def _run(self) -> None:
        try:
            while not self._stop and self.error is None:
                text = self._take()
                if text is None:
                    break
                try:
                    clip = self._render(text)
                finally:
                    with self._lock:
                        self._taken.discard(text)
                with self._arrived:
                    self._clips[text] = clip
                    self.version += 1
                    self._arrived.notify_all()
                    last = not self._left()
                if last and self._finished is not None:
                    self._finished()
        except BaseException as exc:  # surfaced by the mixer, in the player's thread
            with self._arrived:
                self.error = self.error or exc
                self._arrived.notify_all()

    @property
    def done(self) -> bool:
        with self._lock:
            return not self._left()

    def wait(self) -> None:
        """Until every phrase is rendered (rendering again if it was stopped); a rendering error is
        raised here."""
        self.resume()
        with self._arrived:
            while self.error is None and self._left():
                self._arrived.wait(0.5)
        if self.error is not None:
            raise self.error

    def resume(self) -> None:
        """Go on rendering after `stop` (nothing when every phrase is rendered)."""
        if not any(t.is_alive() for t in self._threads) and not self.done:
            self._stop = False
            self._threads = self._start()

    def stop(self) -> None:
        """Render nothing more, once the phrases in hand are done (waited for: a speech engine torn
        down by the interpreter's exit in the middle of a phrase can abort the process)."""
        self._stop = True
        for thread in self._threads:
            thread.join()

    # placing ------------------------------------------------------------------------------------
    def waiting_point(self) -> int | None:
        """Where mixing must wait for more speech (None: every phrase is rendered): the first
        phrase still estimated or, in a fitted session, the end of the last stretchable silence
        before it, which is what takes up the true lengths of the phrases after it."""
        silence_end = None
        for item, group in zip(self.arrangement.items, self.arrangement.placement.groups, strict=True):
            if item.kind == "speech" and isinstance(item.clip, EstimatedClip):
                return group[0].start if silence_end is None else min(silence_end, group[0].start)
            if self.target is not None and item.span is not None and item.span.high > item.span.low \
                    and not item.every_ms:
                silence_end = group[0].end
        return None

    def place_again(self, position: int, freeze: int) -> Timeline:
        """The timeline with every phrase rendered so far at its true length; what starts before
        `position` + `freeze` samples (and before the first phrase still estimated) stays where it was."""
        with self._lock:
            known = dict(self._clips)
        old = self.arrangement
        items = [replace(i, clip=known[i.text]) if i.kind == "speech" and isinstance(i.clip, EstimatedClip)
                 and i.text in known else i for i in old.items]
        limit = position + freeze
        keep = 0
        floor = 0
        for item, group in zip(old.items, old.placement.groups, strict=True):
            start = min(e.start for e in group)
            if (item.kind == "speech" and isinstance(item.clip, EstimatedClip)) or start >= limit:
                break
            if item.span is not None and not item.every_ms and start + group[0].length > limit:
                # A silence partly mixed may still stretch or shrink, so far as it is not.
                floor = limit - start
                break
            keep += 1
        placement = place_rest(old.placement, items, keep, old.rate, self.target, floor)
        self.arrangement = replace(old, items=tuple(items), placement=placement)
        return self.arrangement.timeline()


class LiveMixer:
    """A session's mixer while its speech renders: what the player reads, block by block."""

    def __init__(self, speech: LiveSpeech, mixer: Mixer) -> None:
        self.speech = speech
        self.rate = mixer.rate
        self.channels = mixer.channels
        self._mixer = mixer
        self._seen = -1
        self._mixed = 0  # the furthest place mixing went on from: nothing before it moves again
        self._waiting_from: int | None = speech.waiting_point()
        # The player asks for a block at a time, FEED_BLOCK frames; BLOCK bounds any caller's.
        self._freeze = max(round(FREEZE_MS * mixer.rate / 1000), mixer.duck_reach + BLOCK)
        self._margin = round(READY_MARGIN_MS * mixer.rate / 1000)
        if speech.target is not None:
            self._margin += self._freeze

    @property
    def timeline(self) -> Timeline:
        return self._mixer.timeline

    @property
    def total(self) -> int:
        return self._mixer.total

    def sync(self, position: int) -> None:
        """Take in the phrases rendered since the last block: `position` is where mixing goes on,
        so everything before it stays as it was heard (and everything before the furthest place
        mixed so far: a stretch heard again, a journal's question repeated, moves nothing)."""
        self._mixed = max(self._mixed, position)
        version = self.speech.version
        if version != self._seen and self._waiting_from is not None:
            self._seen = version
            self._mixer = self._mixer.retimed(self.speech.place_again(self._mixed, self._freeze))
            self._waiting_from = self.speech.waiting_point()

    def ready(self, position: int, frames: int) -> bool:
        if self.speech.error is not None:
            raise self.speech.error
        if self._waiting_from is None:
            return True
        limit = self._waiting_from - self._margin
        if self.speech.target is None:
            # Unfitted, the end moves with the true lengths, and the bed fades out before it.
            rate = self.rate
            limit = min(limit, self.total - round(FADE_MS * rate / 1000) - self._freeze)
        return position + frames <= limit

    def render(self, position: int, frames: int):
        """The samples from `position`, or None while a phrase they need is still rendering."""
        self.sync(position)
        if not self.ready(position, frames):
            return None
        return self._mixer.render(position, frames)
