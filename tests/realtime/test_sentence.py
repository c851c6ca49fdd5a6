"""The sentence builder's rules, one at a time."""

from __future__ import annotations

import pytest

from realtime.sentence import SentenceBuilder


def feed(builder: SentenceBuilder, windows: list[tuple[str, float, bool]]) -> list[str | None]:
    return [builder.update(label, p, hand) for label, p, hand in windows]


def test_a_word_enters_after_agreeing_windows_above_threshold() -> None:
    builder = SentenceBuilder(threshold=0.6, agreeing_windows=3)
    added = feed(builder, [("hello", 0.9, True)] * 3)
    assert added == [None, None, "hello"]
    assert builder.words == ["hello"]


def test_below_threshold_breaks_the_streak() -> None:
    builder = SentenceBuilder(threshold=0.6, agreeing_windows=3)
    feed(builder, [("hello", 0.9, True), ("hello", 0.9, True), ("hello", 0.59, True), ("hello", 0.9, True), ("hello", 0.9, True)])
    assert builder.words == [] and builder.streak == 2
    assert builder.update("hello", 0.6, True) == "hello"  # the threshold itself counts


def test_another_label_restarts_the_streak() -> None:
    builder = SentenceBuilder(threshold=0.5, agreeing_windows=2)
    assert feed(builder, [("yes", 0.8, True), ("no", 0.8, True), ("yes", 0.8, True), ("yes", 0.8, True)]) == [
        None, None, None, "yes"]


def test_never_the_same_word_twice_in_a_row_while_signing_continues() -> None:
    builder = SentenceBuilder(threshold=0.5, agreeing_windows=2)
    feed(builder, [("yes", 0.9, True)] * 10)
    assert builder.words == ["yes"]
    # A different word in between is not a pause: yes, no, yes is a valid sentence.
    feed(builder, [("no", 0.9, True)] * 2 + [("yes", 0.9, True)] * 2)
    assert builder.words == ["yes", "no", "yes"]


def test_no_sign_emits_nothing_resets_the_streak_and_allows_a_repeat() -> None:
    builder = SentenceBuilder(threshold=0.5, agreeing_windows=2)
    feed(builder, [("yes", 0.9, True)] * 2)
    assert feed(builder, [("yes", 0.99, False)] * 5) == [None] * 5
    assert builder.streak == 0
    assert feed(builder, [("yes", 0.9, True)] * 2) == [None, "yes"]
    assert builder.words == ["yes", "yes"]


def test_no_sign_between_agreeing_windows_breaks_agreement() -> None:
    builder = SentenceBuilder(threshold=0.5, agreeing_windows=3)
    feed(builder, [("help", 0.9, True), ("help", 0.9, True), ("help", 0.9, False), ("help", 0.9, True)])
    assert builder.words == []


def test_clear_forgets_sentence_streak_and_last_word() -> None:
    builder = SentenceBuilder(threshold=0.5, agreeing_windows=2)
    feed(builder, [("thanks", 0.9, True)] * 2 + [("thanks", 0.9, True)])
    builder.clear()
    assert builder.words == [] and builder.streak == 0
    assert feed(builder, [("thanks", 0.9, True)] * 2) == [None, "thanks"]


@pytest.mark.parametrize(("threshold", "agreeing"), [(-0.1, 1), (1.1, 1), (0.5, 0)])
def test_bad_settings_are_refused(threshold: float, agreeing: int) -> None:
    with pytest.raises(ValueError):
        SentenceBuilder(threshold, agreeing)
