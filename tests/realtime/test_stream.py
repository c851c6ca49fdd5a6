"""The per-frame pipeline of `signlang live` (realtime/stream.py): read-ahead on a thread keeps
order, hands errors over and stops with its consumer; tracking ahead changes no result."""

from __future__ import annotations

from pathlib import Path

import pytest

from realtime.core import LiveCore
from realtime.settings import SentenceParams
from realtime.stream import classify_stream, read_ahead


def test_read_ahead_keeps_order_at_every_depth() -> None:
    for depth in (0, 1, 3):
        assert list(read_ahead(iter(range(50)), depth)) == list(range(50))


def test_read_ahead_raises_the_producers_error_after_its_items() -> None:
    def items():
        yield from (1, 2)
        raise ValueError("frame 3 cannot be decoded")

    received = []
    with pytest.raises(ValueError, match="frame 3"):
        for item in read_ahead(items(), 2):
            received.append(item)
    assert received == [1, 2]


def test_closing_read_ahead_stops_its_thread() -> None:
    import itertools
    import threading

    produced = []

    def endless():
        for number in itertools.count():
            produced.append(number)
            yield number

    stream = read_ahead(endless(), 2)
    assert [next(stream) for _ in range(5)] == list(range(5))
    stream.close()
    assert not any(thread.name == "signlang-read-ahead" for thread in threading.enumerate())
    assert len(produced) <= 5 + 2 + 2, "the producer stops a few items ahead, not at the end"


@pytest.mark.slow
def test_tracking_ahead_on_a_thread_gives_the_same_results(small_bundle: Path, starter_clips: Path) -> None:
    from realtime.sources import open_source
    from signlang.features.holistic import HolisticTracker
    from signlang.serving.bundle import Bundle

    bundle = Bundle.load(small_bundle)
    runs = {}
    for ahead in (0, 2):
        core = LiveCore(bundle, SentenceParams())
        with open_source(str(starter_clips / "yes/yes_04.mp4")) as source, HolisticTracker() as tracker:
            runs[ahead] = [(r.step.index, r.step.hand_visible, None if r.step.probabilities is None else
                            r.step.probabilities.tolist()) for r in classify_stream(source.frames(), core, tracker, ahead)]
    assert runs[0] == runs[2] and any(window for *_, window in runs[0])
