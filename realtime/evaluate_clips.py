"""How well the live loop labels whole clips: each clip streamed through `classify_stream`
and the sentence builder exactly as `signlang live` does, then judged two ways:

- `sentence`: the most frequent word of the clip's sentence (the earliest on a tie; no word
  = wrong), what a person watching the live window would read;
- `best_window`: the top-1 class of the classified window with the highest top probability.

A clip's expected class is its `<label>/` folder name through the bundle's aliases (so
`thank_you/` expects `thanks`); a clip whose class the bundle does not know counts as
out of vocabulary and can never be right.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from realtime.runner import classify_stream
from realtime.sentence import SentenceBuilder
from realtime.sources import open_source
from signlang.bundle import Bundle
from signlang.holistic import HolisticSettings, HolisticTracker
from signlang.params import LiveParams


def expected_class(clip: Path, bundle: Bundle) -> str:
    from signlang.ingest import canonical_label

    return canonical_label(clip.parent.name, bundle.aliases)


def most_frequent_word(words: list[str]) -> str | None:
    if not words:
        return None
    counts = Counter(words)
    return max(words, key=lambda word: (counts[word], -words.index(word)))


def label_clip(clip: Path, bundle: Bundle, live: LiveParams, settings: HolisticSettings) -> dict:
    """One clip through the live loop: its sentence, best window and both verdicts."""
    builder = SentenceBuilder(live.threshold, live.agreeing_windows)
    best_label, best_p, windows, frames = None, -1.0, 0, 0
    with open_source(str(clip)) as source, HolisticTracker(settings.for_parts(bundle.spec.parts)) as tracker:
        for result in classify_stream(source.frames(), bundle, tracker, live):
            frames += 1
            if result.window is None:
                continue
            windows += 1
            label, probability = result.window.top[0]
            builder.update(label, probability, result.hand_visible)
            if probability > best_p:
                best_label, best_p = label, probability
    expected = expected_class(clip, bundle)
    sentence_word = most_frequent_word(builder.words)
    return {
        "clip": str(clip), "expected": expected, "in_vocabulary": expected in bundle.classes,
        "frames": frames, "windows": windows, "sentence": builder.words,
        "sentence_word": sentence_word, "sentence_correct": sentence_word == expected,
        "best_window": best_label, "best_window_p": round(best_p, 4) if windows else None,
        "best_window_correct": best_label == expected,
    }


def evaluate_clips(clips: Iterable[str | Path], bundle: Bundle, live: LiveParams | None = None,
                   settings: HolisticSettings | None = None) -> dict:
    """Per-clip rows plus the counts of correct clips under each definition."""
    live, settings = live or LiveParams(), settings or HolisticSettings()
    rows = [label_clip(Path(clip), bundle, live, settings) for clip in clips]
    in_vocabulary = [row for row in rows if row["in_vocabulary"]]
    return {
        "clips": len(rows),
        "in_vocabulary": len(in_vocabulary),
        "sentence_correct": sum(row["sentence_correct"] for row in rows),
        "best_window_correct": sum(row["best_window_correct"] for row in rows),
        "rows": rows,
    }
