"""Speech on every core: phrases rendered side by side, begun in the order they are heard, within the
slots a process, or a batch of processes, shares."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time

import pytest

from guided.tts import workers


class Meeting:
    """A render that waits until `together` phrases are being rendered at once (or a deadline), and
    notes how many ever were, and in what order they began."""

    def __init__(self, together: int, patience: float = 0.3) -> None:
        self.together = together
        self.patience = patience
        self.begun: list[str] = []
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()
        self.met = threading.Event()

    def __call__(self, text: str) -> str:
        with workers.slot():
            with self.lock:
                self.begun.append(text)
                self.now += 1
                self.most = max(self.most, self.now)
                if self.now >= self.together:
                    self.met.set()
            self.met.wait(self.patience)
            time.sleep(0.01)
            with self.lock:
                self.now -= 1
        return text.upper()


@pytest.fixture
def slots(monkeypatch):
    """A fresh set of slots for each test: `slots(n)` shares a semaphore of n."""
    def share(count: int):
        semaphore = threading.BoundedSemaphore(count)
        workers.share_slots(semaphore)
        return semaphore

    monkeypatch.setattr(workers, "_slots", None)
    yield share
    workers.share_slots(None)


def test_phrases_render_side_by_side_and_begin_in_the_order_they_are_heard(slots):
    slots(2)
    render = Meeting(together=2, patience=5.0)
    texts = [f"phrase {n}" for n in range(7)]
    told = []
    found = workers.render_all(render, texts, 2, done=lambda finished, total: told.append((finished, total)))
    assert found == {t: t.upper() for t in texts}
    assert render.most == 2
    assert sorted(render.begun[:2]) == texts[:2] and sorted(render.begun) == sorted(texts)
    assert render.begun.index("phrase 6") >= 5  # the last heard is among the last begun
    assert told == [(n, 7) for n in range(1, 8)]  # each end heard once, counting up to all of them


def test_a_phrase_said_twice_is_rendered_once(slots):
    slots(2)
    render = Meeting(together=1)
    found = workers.render_all(render, ["a", "b", "a"], 2)
    assert sorted(render.begun) == ["a", "b"] and set(found) == {"a", "b"}


def test_no_more_syntheses_run_at_once_than_there_are_slots(slots):
    slots(1)
    render = Meeting(together=2)  # would wait for a second one, which the single slot never lets in
    workers.render_all(render, [f"p{n}" for n in range(4)], 4)
    assert render.most == 1


def test_one_worker_renders_in_this_thread_in_order(slots):
    slots(2)
    seen = []
    workers.render_all(lambda text: seen.append((text, threading.current_thread())), ["a", "b", "c"], 1)
    assert [text for text, _ in seen] == ["a", "b", "c"]
    assert {thread for _, thread in seen} == {threading.current_thread()}


def test_an_error_renders_nothing_more_and_goes_on_once_the_phrases_in_hand_are_done(slots):
    slots(2)
    finished, begun = [], []

    def render(text: str) -> str:
        begun.append(text)
        if text == "p1":
            raise RuntimeError("the voice failed")
        time.sleep(0.05)
        finished.append(text)
        return text

    with pytest.raises(RuntimeError, match="the voice failed"):
        workers.render_all(render, [f"p{n}" for n in range(40)], 2)
    assert len(begun) < 10  # stopped soon, not rendered to the end
    assert set(finished) == set(begun) - {"p1"}  # every phrase begun was finished before it returned


def test_a_listener_that_stops_the_work_stops_it(slots):
    slots(2)

    class Stop(Exception):
        pass

    def done(finished: int, _total: int) -> None:
        if finished == 3:
            raise Stop

    begun = []
    with pytest.raises(Stop):
        workers.render_all(lambda text: begun.append(text) or time.sleep(0.02), [f"p{n}" for n in range(30)], 2,
                           done=done)
    assert len(begun) < 10


def _hold_slots(semaphore, log, count: int) -> None:
    workers.share_slots(semaphore)

    def render(text: str) -> None:
        with workers.slot():
            log.put(("in", time.monotonic()))
            time.sleep(0.05)
            log.put(("out", time.monotonic()))

    workers.render_all(render, [f"p{n}" for n in range(count)], 2)


def test_processes_that_share_their_slots_never_synthesise_more_at_once_than_the_slots_allow():
    context = multiprocessing.get_context("spawn")
    semaphore = workers.make_shared_slots(context, 1)
    log = context.Queue()
    processes = [context.Process(target=_hold_slots, args=(semaphore, log, 4)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    events = sorted(log.get(timeout=5) for _ in range(16))
    inside = most = 0
    for kind, _at in sorted(events, key=lambda e: (e[1], e[0] == "in")):
        inside += 1 if kind == "in" else -1
        most = max(most, inside)
    assert most == 1


def test_an_engine_that_renders_on_one_thread_of_its_own_gets_one_phrase_at_a_time():
    class OneAtATime:
        pass

    class SideBySide:
        parallel = 64

    assert workers.workers_for(OneAtATime()) == 1
    assert workers.workers_for(SideBySide()) == workers.cores()


def test_a_machine_short_of_memory_renders_one_phrase_at_a_time(monkeypatch):
    class Hungry:
        parallel = 64
        memory_per_phrase = 300 << 20

    monkeypatch.setattr(workers, "cores", lambda: 4)
    monkeypatch.setattr(workers, "available_memory", lambda: 8 << 30)
    assert workers.workers_for(Hungry()) == 4
    monkeypatch.setattr(workers, "available_memory", lambda: workers.MEMORY_HEADROOM + (700 << 20))
    assert workers.workers_for(Hungry()) == 3  # the first phrase, and two more that fit
    monkeypatch.setattr(workers, "available_memory", lambda: 300 << 20)
    assert workers.workers_for(Hungry()) == 1  # never none
    monkeypatch.setattr(workers, "available_memory", lambda: None)  # a system that does not say
    assert workers.workers_for(Hungry()) == 4


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux says it in /proc/meminfo")
def test_the_memory_available_is_some_of_the_machine_s_memory():
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert 0 < workers.available_memory() <= total
