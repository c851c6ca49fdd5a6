"""The sentence builder: classified windows in, words out. Pure, no I/O, no clock.

A word enters the sentence only when it is the top class with probability >= `threshold`
in `agreeing_windows` classified windows in a row, and it is not the word added last. When
no hand is seen (the no-sign state) no word can enter, the streak restarts and the last word
is forgotten, so the same word can follow again only after a pause.
"""

from __future__ import annotations


class SentenceBuilder:
    def __init__(self, threshold: float, agreeing_windows: int) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be within [0, 1], got {threshold}")
        if agreeing_windows < 1:
            raise ValueError(f"agreeing_windows must be at least 1, got {agreeing_windows}")
        self.threshold = threshold
        self.agreeing_windows = agreeing_windows
        self.words: list[str] = []
        self._candidate: str | None = None
        self._streak = 0
        self._last_word: str | None = None

    @property
    def streak(self) -> int:
        """How many classified windows in a row agree on the current candidate."""
        return self._streak

    def update(self, label: str, probability: float, hand_visible: bool) -> str | None:
        """One classified window (its top class and that class's probability); returns the
        word added to the sentence, or None."""
        if not hand_visible:
            self._reset_streak()
            self._last_word = None
            return None
        if probability < self.threshold:
            self._reset_streak()
            return None
        if label == self._candidate:
            self._streak += 1
        else:
            self._candidate, self._streak = label, 1
        if self._streak >= self.agreeing_windows and label != self._last_word:
            self.words.append(label)
            self._last_word = label
            return label
        return None

    def clear(self) -> None:
        """Forget the sentence and any streak in progress."""
        self.words = []
        self._reset_streak()
        self._last_word = None

    def _reset_streak(self) -> None:
        self._candidate, self._streak = None, 0
