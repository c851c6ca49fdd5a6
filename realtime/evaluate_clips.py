"""How well the live core labels whole clips: each clip's frames tracked by Holistic as
`signlang live` reads them, then pushed through `realtime.core.LiveCore` (the same windows,
no-sign rule and sentence as `signlang live` and `signlang serve`), judged three ways:

- `sentence`: the most frequent word of the clip's sentence (the earliest on a tie; no word
  = wrong), what a person watching the live window would read;
- `exact`: the sentence is the expected word and nothing else (each clip is one sign);
- `best_window`: the top-1 class of the classified window with the highest top probability.

A clip's expected class is its `<label>/` folder name through the bundle's aliases (so
`thank_you/` expects `thanks`); a clip whose class the bundle does not know counts as
out of vocabulary and can never be right. `python -m realtime.evaluate_clips` runs it from
the shell, and with several --agreeing-windows/--threshold values compares those settings
on the same tracked frames (Holistic runs once per clip).
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from realtime.core import clip_hand_visible, replay, track_clip
from realtime.settings import SentenceParams
from signlang.cli.model_option import add_model_argument
from signlang.features.holistic import HolisticSettings
from signlang.serving.bundle import Bundle

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".webm", ".mkv")


def expected_class(clip: Path, bundle: Bundle) -> str:
    from signlang.data.ingest import class_of

    return class_of(clip.parent.name, bundle.classes, bundle.aliases)


def most_frequent_word(words: list[str]) -> str | None:
    if not words:
        return None
    counts = Counter(words)
    return max(words, key=lambda word: (counts[word], -words.index(word)))


def label_vectors(clip: Path, vectors: np.ndarray, bundle: Bundle, sentence: SentenceParams) -> dict:
    """One clip's tracked frames through the live core: its sentence, best window and verdicts."""
    steps, words = replay(vectors, bundle, sentence)
    scored = [step for step in steps if step.top]
    best = max(scored, key=lambda step: step.top[0][1], default=None)
    expected = expected_class(clip, bundle)
    sentence_word = most_frequent_word(words)
    return {
        "clip": str(clip), "expected": expected, "in_vocabulary": expected in bundle.classes,
        "frames": len(steps), "windows": sum(step.classified for step in steps),
        "hand_visible": clip_hand_visible(vectors), "sentence": words,
        "sentence_word": sentence_word, "sentence_correct": sentence_word == expected,
        "exact": words == [expected], "wrong_words": sum(word != expected for word in words),
        "best_window": best.top[0][0] if best else None,
        "best_window_p": round(best.top[0][1], 4) if best else None,
        "best_window_correct": best is not None and best.top[0][0] == expected,
    }


def label_clip(clip: Path, bundle: Bundle, sentence: SentenceParams, settings: HolisticSettings) -> dict:
    """One clip through Holistic and the live core."""
    return label_vectors(clip, track_clip(clip, settings.for_parts(bundle.spec.parts)), bundle, sentence)


def summarise(rows: list[dict]) -> dict:
    """Counts of correct clips under each definition, plus the rows."""
    return {
        "clips": len(rows),
        "in_vocabulary": sum(row["in_vocabulary"] for row in rows),
        "sentence_correct": sum(row["sentence_correct"] for row in rows),
        "exact": sum(row["exact"] for row in rows),
        "wrong_words": sum(row["wrong_words"] for row in rows if row["in_vocabulary"]),
        "best_window_correct": sum(row["best_window_correct"] for row in rows),
        "rows": rows,
    }


def evaluate_clips(clips: Iterable[str | Path], bundle: Bundle, sentence: SentenceParams | None = None,
                   settings: HolisticSettings | None = None) -> dict:
    """Per-clip rows plus the counts of correct clips under each definition."""
    sentence, settings = sentence or SentenceParams(), settings or HolisticSettings()
    return summarise([label_clip(Path(clip), bundle, sentence, settings) for clip in clips])


def compare_settings(clips: Iterable[str | Path], bundle: Bundle, grid: list[SentenceParams],
                     settings: HolisticSettings | None = None) -> list[dict]:
    """Every sentence setting of `grid` on the same clips, Holistic run once per clip:
    one summary (without rows) per setting, in grid order."""
    settings = settings or HolisticSettings()
    tracked = [(Path(clip), track_clip(Path(clip), settings.for_parts(bundle.spec.parts))) for clip in clips]
    results = []
    for sentence in grid:
        summary = summarise([label_vectors(clip, vectors, bundle, sentence) for clip, vectors in tracked])
        summary.pop("rows")
        results.append({"sentence": sentence.model_dump(), **summary})
    return results


def find_clips(folders: Iterable[Path]) -> list[Path]:
    """Video files in `<label>/` folders, sorted."""
    return sorted(path for folder in folders for path in Path(folder).glob("*/*") if path.suffix.lower() in VIDEO_SUFFIXES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m realtime.evaluate_clips", description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", type=Path, nargs="+", help="folders of <label>/<clip> videos")
    add_model_argument(parser)
    parser.add_argument("--agreeing-windows", type=int, nargs="*", default=[], help="values to compare")
    parser.add_argument("--threshold", type=float, nargs="*", default=[], help="values to compare")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="sentence and extract sections")
    args = parser.parse_args(argv)
    from signlang.features.settings import ExtractParams
    from signlang.serving.resolve import load_bundle
    from signlang.settings import load_sections

    params = load_sections(args.params, sentence=SentenceParams, extract=ExtractParams)
    base = params.sentence
    grid = [SentenceParams.model_validate({**base.model_dump(), "agreeing_windows": a, "threshold": t})
            for a, t in itertools.product(args.agreeing_windows or [base.agreeing_windows], args.threshold or [base.threshold])]
    clips = find_clips(args.folders)
    bundle, _ = load_bundle(args.model)
    results = compare_settings(clips, bundle, grid, HolisticSettings.from_params(params.extract))
    for result in results:
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    from signlang.native_logs import quiet_native_logs, verbose_requested

    # Native MediaPipe/TFLite chatter off the console, as for the stages and `signlang`
    # (SIGNLANG_VERBOSE=1 keeps it).
    quiet_native_logs(verbose_requested([]))
    raise SystemExit(main())
