"""The mixer: blocks that do not depend on where they are cut, a bed that fades, ducks under a spoken
passage and rises only into long silences, bells that ring out, loudness worked out ahead, and nothing that clips."""

from __future__ import annotations

import numpy as np
import pytest

from guided.audio.beds import load_bed
from guided.audio.bells import load_bell
from guided.audio.mixer import DUCK_DELAY_MS, DUCK_LEAD_MS, DUCK_RISE_MS, Mixer
from guided.dsp import loudness
from guided.dsp.peaks import guarded_step_powers
from guided.options import SessionOptions
from guided.scripts.language import parse_script
from guided.timing.timeline import assemble
from guided.tts.cache import ClipCache

RATE = 44100


def build(tmp_path, engine, body, background="pink-noise", channels=2, **settings):
    cache = ClipCache(tmp_path / "clips")
    script = parse_script("---\ntitle: T\nkind: meditation\n---\n" + body, "t.md")
    bells = {}

    def bell(name):
        if name not in bells:
            bells[name] = load_bell(name or "bowl", RATE, channels)
        return bells[name]

    timeline = assemble(script, lambda t: cache.get(engine, t, RATE), lambda n: len(bell(n)), rate=RATE)
    bed = load_bed(background, RATE, channels) if background else None
    mix = SessionOptions(sample_rate=RATE, channels=channels, **settings)
    return Mixer(timeline, mix, cache, {e.bell: bell(e.bell) for e in timeline.bells}, bed)


def whole(mixer, block):
    return np.concatenate(list(mixer.blocks(block=block)))


BODY = "[bell]\nOne two three four.\n[pause 6s]\nFive six seven eight nine ten.\n[pause 3s]\n[bell chime]\nEnd now.\n"


def test_blocks_do_not_depend_on_where_the_session_is_cut(tmp_path, fake_engine):
    mixer = build(tmp_path, fake_engine, BODY)
    a = whole(mixer, 32768)
    b = whole(mixer, 1000)
    assert a.shape == (mixer.total, 2)
    assert np.array_equal(a, b)
    start = 123_457
    assert np.array_equal(mixer.render(start, 5000), a[start : start + 5000])


def test_the_whole_mix_meets_the_loudness_target_and_never_clips(tmp_path, fake_engine):
    mixer = build(tmp_path, fake_engine, BODY * 3, loudness=-16.0)
    audio = whole(mixer, 32768)
    assert abs(loudness.lufs(audio, RATE) - -16.0) < 0.5
    assert np.abs(audio).max() <= loudness.db_to_gain(-1.5) + 1e-6


def test_a_quieter_target_is_quieter_by_as_much(tmp_path, fake_engine):
    loud = whole(build(tmp_path, fake_engine, BODY, loudness=-16.0), 32768)
    soft = whole(build(tmp_path, fake_engine, BODY, loudness=-23.0), 32768)
    assert abs((loudness.lufs(loud, RATE) - loudness.lufs(soft, RATE)) - 7.0) < 0.3


def test_the_bed_fades_in_and_out(tmp_path, fake_engine):
    mixer = build(tmp_path, fake_engine, "[pause 20s]\nWord.\n[pause 20s]\n")
    audio = whole(mixer, 32768)
    assert np.all(audio[0] == 0) and np.abs(audio[-1]).max() < 1e-6
    env = mixer.bed_envelope(np.arange(0, mixer.total, 441))
    first_second = env[: RATE // 441]
    assert np.all(np.diff(first_second) >= 0) and first_second[-1] < 0.2  # still rising after 1 s
    assert env[int(8 * RATE / 441)] == pytest.approx(1.0)  # fully in after the 6 s fade


def test_the_bed_dips_about_10_db_under_speech_with_smooth_edges(tmp_path, fake_engine):
    mixer = build(tmp_path, fake_engine, "[pause 10s]\nOne two three four five six seven eight.\n[pause 20s]\n")
    speech = mixer.timeline.speech[0]
    positions = np.arange(speech.start - 2 * RATE, speech.end + 10 * RATE)
    env = mixer.bed_envelope(positions)
    inside = env[(positions >= speech.start) & (positions < speech.end)]
    before = env[0]
    assert 20 * np.log10(inside.max() / before) == pytest.approx(-10.0, abs=0.01)
    steps = np.abs(np.diff(env))
    assert steps.max() < 1e-4  # no step anywhere: a smooth ramp
    lead = (positions >= speech.start - DUCK_LEAD_MS * RATE / 1000) & (positions < speech.start)
    assert env[lead][0] > env[lead][-1]  # already going down before the first word
    risen = speech.end + (DUCK_DELAY_MS + DUCK_RISE_MS) * RATE / 1000
    assert env[positions >= risen][0] == pytest.approx(before, rel=1e-3)


def duck_db(mixer, start, end, step=441):
    """The bed's dip in dB (0: not ducked) from `start` to `end`, fades left out."""
    positions = np.arange(start, end, step)
    return positions, 20 * np.log10(np.maximum(mixer.bed_envelope(positions), 1e-9))


def test_the_bed_stays_down_through_the_pauses_of_a_spoken_passage(tmp_path, fake_engine):
    passage = "[pause 12s]\nOne two three.\n[pause 3s]\nFour five six.\n[pause 6s]\nSeven eight.\n[pause 12s]\n"
    mixer = build(tmp_path, fake_engine, passage)
    first, last = mixer.timeline.speech[0], mixer.timeline.speech[-1]
    _, db = duck_db(mixer, first.start, last.end)
    assert db.max() == pytest.approx(-10.0, abs=0.01)  # still, all the way through both pauses


def test_the_bed_rises_slowly_into_a_silence_as_long_as_the_hold_and_is_down_before_the_next_word(tmp_path,
                                                                                                  fake_engine):
    mixer = build(tmp_path, fake_engine, "[pause 12s]\nOne two three.\n[pause 20s]\nFour five six.\n[pause 12s]\n")
    first, second = mixer.timeline.speech[:2]
    positions, db = duck_db(mixer, first.end, second.start)
    assert db.max() == pytest.approx(0.0, abs=0.01)  # the bed at its own level in the silence
    seconds = (positions - first.end) / RATE
    assert db[seconds < DUCK_DELAY_MS / 1000].max() == pytest.approx(-10.0, abs=0.01)  # the last word heard out
    two_seconds = 200  # steps of 441 frames
    assert (db[two_seconds:] - db[:-two_seconds]).max() < 6.0  # a slow rise: no swell of 6 dB within 2 s
    before = positions >= second.start - DUCK_LEAD_MS * RATE / 1000
    assert db[before][0] > -0.5 and db[-1] < -9.5  # down by the first word, from a little before it


@pytest.mark.parametrize(("hold_ms", "rises"), [(7000, False), (4000, True)])
def test_the_hold_decides_which_pauses_the_bed_rises_into(tmp_path, fake_engine, hold_ms, rises):
    mixer = build(tmp_path, fake_engine, "[pause 12s]\nOne two three.\n[pause 5s]\nFour five six.\n[pause 12s]\n",
                  duck_hold_ms=hold_ms)
    first, second = mixer.timeline.speech[:2]
    _, db = duck_db(mixer, first.end, second.start)
    assert bool(db.max() > -7.0) is rises, db.max()


def test_a_session_that_begins_and_ends_within_the_hold_keeps_its_bed_down_there(tmp_path, fake_engine):
    mixer = build(tmp_path, fake_engine, "[pause 3s]\nOne two three.\n[pause 1s]\n")
    speech = mixer.timeline.speech[0]
    assert speech.start < 7 * RATE and mixer.total - speech.end < 7 * RATE  # within the default hold
    positions, db = duck_db(mixer, 0, mixer.total)
    levels = mixer.bed_envelope(positions)
    peak = levels.argmax()
    assert 20 * np.log10(levels.max()) <= -10.0 + 1e-6  # never above its dip
    assert np.all(np.diff(levels[: peak + 1]) >= 0) and np.all(np.diff(levels[peak:]) <= 0)  # only its fades


def test_no_duck_leaves_the_bed_still_under_the_voice(tmp_path, fake_engine):
    mixer = build(tmp_path, fake_engine, "[pause 10s]\nOne two three four.\n[pause 10s]\n", duck_db=0.0)
    speech = mixer.timeline.speech[0]
    _, db = duck_db(mixer, speech.start - RATE, speech.end + RATE)
    assert db.min() == pytest.approx(0.0, abs=1e-9)


def test_speech_stays_well_above_the_bed(tmp_path, fake_engine):
    mixer = build(tmp_path, fake_engine, "[pause 8s]\n" + "Words to say here now.\n" * 6 + "[pause 8s]\n")
    audio = whole(mixer, 32768)[:, 0]
    speech = mixer.timeline.speech
    voice = np.concatenate([audio[e.start : e.end] for e in speech])
    bed_only = audio[3 * RATE : 7 * RATE]
    assert 20 * np.log10(np.std(voice) / np.std(bed_only)) > 10


def test_a_bell_rings_out_instead_of_being_cut(tmp_path, fake_engine):
    mixer = build(tmp_path, fake_engine, "Word.\n[bell]\n", background=None)
    bell = mixer.timeline.bells[0]
    assert mixer.total >= bell.end  # the session lasts until the bell has died away
    audio = whole(mixer, 32768)
    ring = audio[bell.start : bell.end, 0]
    quarter = len(ring) // 4
    levels = [np.sqrt(np.mean(ring[i * quarter : (i + 1) * quarter] ** 2)) for i in range(4)]
    assert levels == sorted(levels, reverse=True)  # decays
    assert levels[-1] > 0  # and is still heard at the end


def test_mono_is_one_channel_at_the_same_loudness(tmp_path, fake_engine):
    mono = whole(build(tmp_path, fake_engine, BODY, channels=1), 32768)
    assert mono.shape[1] == 1
    assert abs(loudness.lufs(mono, RATE) - -16.0) < 0.5


def test_without_a_background_silence_is_digital_silence(tmp_path, fake_engine):
    mixer = build(tmp_path, fake_engine, "Word.\n[pause 10s]\nWord.\n", background=None)
    audio = whole(mixer, 32768)
    first = mixer.timeline.speech[0]
    gap = audio[first.end + 100 : first.end + 9 * RATE]
    assert not gap.any()


def test_volumes_shift_the_balance(tmp_path, fake_engine):
    plain = build(tmp_path, fake_engine, BODY)
    quiet_bed = build(tmp_path, fake_engine, BODY, background_db=-12.0)
    ratio = (quiet_bed.bed_gain / quiet_bed.voice_gain) / (plain.bed_gain / plain.voice_gain)
    assert 20 * np.log10(ratio) == pytest.approx(-12.0, abs=0.01)


class PeakyEngine:
    """A voice with a sharp click every 8 ms over a soft tone: far more peak than loudness, as some
    voices have, so the peak guard has work to do once the voice is raised."""

    name = "peaky"
    native_rate = 22050

    def identity(self) -> str:
        return "peaky 1"

    def render(self, text: str) -> tuple[np.ndarray, int]:
        frames = len(text.split()) * self.native_rate // 3
        t = np.arange(frames) / self.native_rate
        voice = np.sin(2 * np.pi * 180 * t) * 3000
        voice[:: self.native_rate * 8 // 1000] = 30000
        return voice.astype(np.int16), self.native_rate

    def voices(self):
        return []


SPARSE = "".join(f"Words spoken here, then a long silence {n}.\n[pause 40s]\n" for n in range(6))


def test_a_sparse_session_whose_voice_the_peak_guard_trims_still_meets_the_target(tmp_path):
    mixer = build(tmp_path, PeakyEngine(), SPARSE, background="pink-noise", loudness=-16.0)
    ceiling = loudness.db_to_gain(-1.5)
    # The bed between the words counts in the integrated loudness, so the voice is raised far
    # enough for its clicks to pass the ceiling: the levels must count what the guard takes off.
    assert max(e.clip.peak * mixer.phrase_gain(e.clip) for e in mixer.timeline.speech) > 1.5 * ceiling
    audio = whole(mixer, 32768)
    assert abs(loudness.lufs(audio, RATE) - -16.0) < 0.2
    assert np.abs(audio).max() <= ceiling + 1e-6


def test_step_powers_after_the_guard_are_measured_again_only_near_its_work():
    from guided.dsp.peaks import guard_gain

    rng = np.random.default_rng(7)
    samples = rng.normal(0, 0.05, 3 * RATE)
    samples[rng.integers(0, samples.size, 40)] = 0.9  # a few sharp peaks, some steps apart
    own = loudness.step_powers(samples, RATE)
    for gain in (0.5, 1.0, 2.0, 8.0):
        whole_guard = samples * gain * guard_gain(np.abs(samples * gain), 0.8, 353)
        expected = loudness.step_powers(whole_guard, RATE)
        found = guarded_step_powers(samples, own, gain, 0.8, 353, RATE)
        assert np.allclose(found, expected, rtol=1e-9, atol=1e-15)


# --- levels that cannot go wrong ------------------------------------------------------------------


def levelling_off(top: float, knee: float = 0.0):
    """A mix's loudness miss that rises one for one with the gain, then levels off at `top` above
    the target (a peak guard that holds the voice down): what a loud target meets in a sparse session."""
    return lambda db: min(db - knee, top)


@pytest.mark.parametrize("start", [-50.0, -3.0, 0.0, 12.0, 39.0, 1e9, -1e9])
def test_the_gain_search_finds_a_reachable_target_from_anywhere(start):
    from guided.audio.mixer import solve_gain

    miss = levelling_off(top=5.0, knee=-7.25)
    found = solve_gain(miss, start)
    assert abs(miss(found)) < 0.01 and -60.0 <= found <= 40.0


@pytest.mark.parametrize("top", [-0.5, -3.0, -30.0])
def test_a_target_out_of_reach_takes_the_least_gain_that_comes_near_the_loudest_mix(top):
    from guided.audio.mixer import SHORT_OF_REACH_LU, solve_gain

    calls: list[float] = []

    def miss(db: float) -> float:
        calls.append(db)
        return min(db, top)  # never reaches the target: the guard holds it `top` below

    found = solve_gain(miss, 0.0)
    assert -60.0 <= found <= 40.0 and all(-60.0 <= c <= 40.0 for c in calls)  # never runs away
    assert abs(miss(found) - (top - SHORT_OF_REACH_LU)) < 0.02
    assert found < top  # not the highest gain: the least one that does (almost) as well
    assert len(calls) < 40


def test_a_mix_with_nothing_to_measure_keeps_its_gain():
    from guided.audio.mixer import solve_gain

    assert solve_gain(lambda db: float("-inf"), 0.0) == 0.0
    assert solve_gain(lambda db: float("nan"), 3.0) == 3.0


@pytest.mark.parametrize("target", [-40.0, -23.0, -16.0, -14.0])
def test_every_accepted_loudness_gives_a_sound_mix_even_when_sparse_and_peaky(tmp_path, target):
    mixer = build(tmp_path, PeakyEngine(), "Hi.\n[pause 30s]\n[bell]\n[pause 20s]\n", background=None,
                  loudness=target)
    audio = whole(mixer, 32768)
    assert np.isfinite(audio).all()
    assert np.abs(audio).max() <= loudness.db_to_gain(-1.5) + 1e-6
    assert loudness.lufs(audio, RATE) <= target + 0.2  # never louder than asked; quieter only if out of reach


def test_the_accepted_loudness_stops_where_true_peaks_could_pass_minus_one_dbtp():
    from guided.errors import UsageError
    from guided.options import LOUDNESS_RANGE, resolve

    assert LOUDNESS_RANGE == (-40.0, -14.0)
    assert resolve(loudness=-14).loudness == -14.0
    for louder in (-13.9, -10, -6):
        with pytest.raises(UsageError, match="from -40 to -14"):
            resolve(loudness=louder)


def test_a_mix_gone_wrong_is_refused_rather_than_played(tmp_path, fake_engine):
    from dataclasses import replace

    from guided.errors import SoundError

    mixer = build(tmp_path, fake_engine, BODY)
    broken = Mixer(mixer.timeline, mixer.options, mixer.clips.cache, mixer.bells, mixer.bed,
                   replace(mixer.levels, voice=float("nan")), mixer.clips)
    with pytest.raises(SoundError, match="unsound"):
        whole(broken, 32768)
