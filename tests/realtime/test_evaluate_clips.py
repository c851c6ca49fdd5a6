"""How realtime/evaluate_clips.py judges a clip's sentence: its most frequent word, the earliest on
a tie, and no word at all is no answer."""

from __future__ import annotations

from realtime.evaluate_clips import most_frequent_word


def test_the_sentence_is_judged_by_its_most_frequent_word_the_earliest_on_a_tie() -> None:
    assert most_frequent_word(["no", "yes", "yes"]) == "yes"
    assert most_frequent_word(["yes", "no", "no", "yes"]) == "yes"
    assert most_frequent_word(["no", "yes", "yes", "no"]) == "no"
    assert most_frequent_word([]) is None
