"""Figure 9: continuous signing: several signs in a row decoded into a word sequence.

Streams are made from real recordings (../shared/data/videos, signers from clips.csv): for
every signer with ASL clips of at least two words the bundle knows (through its aliases:
thank_you -> thanks), one clip per word (the first by file name) is tracked once by
`realtime.core.track_clip` (Holistic, as `signlang live` reads a file; cached in
`.signlang/bench-continuous/`), and the per-clip keypoint tracks are joined, in file order
and in reverse order:
- natural: clip after clip, each with its own recorded start and end;
- pauses: between two clips, PAUSE_SECONDS of rest: the previous clip's last frame with both
  hands removed (the body stays; the hands out of view), held.
The streams are joined keypoint tracks (Holistic restarted per clip), not one recorded video.

The truth is the clips' word sequence; a sign ends at the last frame of its clip in which a
hand is seen. Several clips show their sign twice (hello_03, please_03, sorry_01, ...), so a
word repeated in a row counts once, in the truth and in what is decoded alike. Each stream
goes through `realtime.core.LiveCore` (the one live core) with params.yaml's `sentence:`
twice: decoder `windows` (the sentence builder: the baseline) and `segments`. Scores: word
error rate (Levenshtein substitutions + deletions + insertions over the reference words,
pooled over the streams) and, for every correctly recognised sign, the delay from its end to
the frame its word is shown (ms at the first clip's frame rate). `oracle` classifies each
clip's hand-seen frames as one sign: the classifier's own errors, without segmentation.
"""

from __future__ import annotations

import csv
import hashlib
import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import PROJECT_ROOT, Context, Row, ratio

FIGURE = "9. continuous signing"
CLIPS_CSV = "videos/clips.csv"
VIDEOS = "videos"
CACHE_DIR = PROJECT_ROOT / ".signlang" / "bench-continuous"
LANGUAGE = "ASL"  # clips whose language starts with this (ASL, "ASL (probable)", ...)
PAUSE_SECONDS = 1.0
QUICK_SIGNERS = ("A", "Q")
# Signers whose clips show their sign once, from a rest or the clip's start to its end (the
# others' clips show it two or three times): their delays read as the issue means them.
ONE_PERFORMANCE = ("A", "B")
TARGET_WER_SHARE = 0.5  # segments WER at most half the sentence builder's
TARGET_DELAY_MS = 300.0
MS = 1000.0


@dataclass(frozen=True)
class Clip:
    file: str
    word: str
    signer: str
    fps: float
    blob: str


@dataclass(frozen=True)
class Stream:
    name: str
    signer: str
    mode: str  # natural or pauses
    frames: np.ndarray
    fps: float
    words: tuple[str, ...]
    ends: tuple[int, ...]  # per word: the last frame of its clip with a hand seen
    spans: tuple[tuple[int, int], ...]  # per word: its clip's first and last frame in the stream


# --------------------------------------------------------------------------- scoring


def collapse(words: list[str]) -> list[str]:
    """A word repeated in a row counts once."""
    return [word for i, word in enumerate(words) if i == 0 or word != words[i - 1]]


def align(reference: list[str], hypothesis: list[str]) -> tuple[int, int, int, list[tuple[int, int]]]:
    """Levenshtein alignment: (substitutions, deletions, insertions, matched (ref, hyp) index pairs)."""
    n, m = len(reference), len(hypothesis)
    cost = np.zeros((n + 1, m + 1), dtype=int)
    cost[:, 0], cost[0, :] = np.arange(n + 1), np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            same = reference[i - 1] == hypothesis[j - 1]
            cost[i, j] = min(cost[i - 1, j - 1] + (not same), cost[i - 1, j] + 1, cost[i, j - 1] + 1)
    subs = dels = ins = 0
    matched: list[tuple[int, int]] = []
    i, j = n, m
    while i or j:
        if i and j and cost[i, j] == cost[i - 1, j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            if reference[i - 1] == hypothesis[j - 1]:
                matched.append((i - 1, j - 1))
            else:
                subs += 1
            i, j = i - 1, j - 1
        elif i and cost[i, j] == cost[i - 1, j] + 1:
            dels, i = dels + 1, i - 1
        else:
            ins, j = ins + 1, j - 1
    return subs, dels, ins, matched[::-1]


def word_error_rate(pairs: list[tuple[list[str], list[str]]]) -> float:
    """(S + D + I) / reference words, pooled over (reference, hypothesis) pairs."""
    errors = sum(sum(align(ref, hyp)[:3]) for ref, hyp in pairs)
    words = sum(len(ref) for ref, _ in pairs)
    if not words:
        raise ValueError("word_error_rate needs at least one reference word")
    return errors / words


# --------------------------------------------------------------------------- streams


def stream_clips(shared_data: Path, classes: tuple[str, ...], aliases: dict, signers: tuple[str, ...] | None = None) -> dict[str, list[Clip]]:
    """Per signer (clips.csv tags), one clip per word the bundle knows, in file order; only
    signers with at least two such words."""
    from signlang.data.ingest import class_of

    with open(shared_data / CLIPS_CSV, encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: row["file"])
    chosen: dict[str, dict[str, Clip]] = {}
    for row in rows:
        word = class_of(row["label"], classes, aliases)
        if not row["language"].startswith(LANGUAGE) or word not in classes:
            continue
        if signers is not None and row["signer"] not in signers:
            continue
        chosen.setdefault(row["signer"], {}).setdefault(
            word, Clip(row["file"], word, row["signer"], float(row["fps"]), row["git_blob"]))
    return {signer: list(words.values()) for signer, words in sorted(chosen.items()) if len(words) >= 2}


def tracked(clip: Clip, shared_data: Path, settings, cache_dir: Path = CACHE_DIR) -> np.ndarray:
    """The clip's keypoints as `signlang live` reads it (Holistic once; cached by content and settings)."""
    from realtime.core import track_clip
    from signlang.io import atomic_path

    key = hashlib.sha256(f"{clip.blob}|{settings.cache_key_part()}".encode()).hexdigest()[:24]
    path = cache_dir / f"{key}.npy"
    if path.is_file():
        return np.load(path)
    frames = track_clip(shared_data / VIDEOS / clip.file, settings)
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.save(handle, frames)
    return frames


def last_hand_frame(frames: np.ndarray) -> int:
    from signlang.features.keypoints import hand_seen

    seen = np.flatnonzero(hand_seen(frames))
    return int(seen[-1]) if len(seen) else len(frames) - 1


def rest_frames(frame: np.ndarray, count: int) -> np.ndarray:
    """`count` copies of `frame` with both hands removed (out of view); the body stays."""
    from signlang.data.layout import HAND_PARTS
    from signlang.features.keypoints import layout_of

    rest = np.repeat(frame[None], count, axis=0).copy()
    layout = layout_of(rest)
    for hand in HAND_PARTS:
        rest[:, layout[hand]] = 0.0
    return rest


def join(name: str, clips: list[Clip], tracks: list[np.ndarray], mode: str) -> Stream:
    """The clips' tracks one after the other (`pauses`: PAUSE_SECONDS of rest between them)."""
    fps = clips[0].fps
    pieces, ends, spans, start = [], [], [], 0
    for position, frames in enumerate(tracks):
        if mode == "pauses" and position:
            pause = rest_frames(pieces[-1][-1], round(PAUSE_SECONDS * fps))
            pieces.append(pause)
            start += len(pause)
        pieces.append(frames)
        ends.append(start + last_hand_frame(frames))
        spans.append((start, start + len(frames) - 1))
        start += len(frames)
    return Stream(name, clips[0].signer, mode, np.concatenate(pieces).astype(np.float32), fps,
                  tuple(clip.word for clip in clips), tuple(ends), tuple(spans))


def build_streams(ctx: Context, bundle, settings) -> list[Stream]:
    """Every signer's streams: file order and reverse order, natural and with pauses."""
    signers = QUICK_SIGNERS if ctx.quick else None
    streams = []
    for signer, clips in stream_clips(ctx.shared_data, bundle.classes, bundle.aliases, signers).items():
        tracks = [tracked(clip, ctx.shared_data, settings) for clip in clips]
        for order, (chosen, frames) in (("forward", (clips, tracks)), ("reverse", (clips[::-1], tracks[::-1]))):
            for mode in ("natural", "pauses"):
                streams.append(join(f"{signer}/{order}/{mode}", chosen, frames, mode))
    return streams


# --------------------------------------------------------------------------- decoding


def decode(stream: Stream, bundle, sentence) -> list[tuple[str, int, int]]:
    """The words the live core shows for the stream: (word, frame shown on, its sign's last frame)."""
    from realtime.core import LiveCore

    core = LiveCore(bundle, sentence)
    shown: list[tuple[str, int, int]] = []
    for index, vector in enumerate(stream.frames):
        core.push(vector)
        shown += [(word.label, index, word.end) for word in core.decoded[len(shown):]]
    core.finish()
    return shown + [(word.label, len(stream.frames) - 1, word.end) for word in core.decoded[len(shown):]]


def oracle(stream: Stream, bundle) -> list[str]:
    """Each clip's hand-seen frames classified as one sign (the segmentation known)."""
    from signlang.features.keypoints import trim_idle

    return [bundle.label(bundle.predict_window(trim_idle(stream.frames[first : last + 1])))
            for first, last in stream.spans]


def score(stream: Stream, shown: list[tuple[str, int, int]]) -> dict:
    """Errors and delays of one decoded stream (after collapsing repeats): `delays_ms` from each
    recognised sign's end (its clip's last hand frame) to its word shown, `latency_ms` from the
    last frame the decoder gave the word to its being shown."""
    reference = collapse(list(stream.words))
    hypothesis, frames, latency = [], [], []
    for word, frame, end in shown:
        if not hypothesis or hypothesis[-1] != word:
            hypothesis.append(word)
            frames.append(frame)
            latency.append((frame - end) * MS / stream.fps)
    subs, dels, ins, matched = align(reference, hypothesis)
    delays = [(frames[j] - stream.ends[i]) * MS / stream.fps for i, j in matched]
    return {"reference": reference, "hypothesis": hypothesis, "substitutions": subs, "deletions": dels,
            "insertions": ins, "delays_ms": [round(delay, 1) for delay in delays],
            "latency_ms": [round(latency[j], 1) for _, j in matched]}


def summarise(results: list[dict]) -> dict:
    words = sum(len(result["reference"]) for result in results)
    errors = sum(result["substitutions"] + result["deletions"] + result["insertions"] for result in results)
    delays = [delay for result in results for delay in result["delays_ms"]]
    latency = [value for result in results for value in result["latency_ms"]]
    return {"wer": errors / words if words else None, "words": words, "errors": errors,
            "median_latency_ms": statistics.median(latency) if latency else None,
            **{key: sum(result[key] for result in results) for key in ("substitutions", "deletions", "insertions")},
            "median_delay_ms": statistics.median(delays) if delays else None, "recognised": len(delays)}


def evaluate(streams: list[Stream], bundle, sentence) -> dict:
    """Both decoders and the oracle segmentation on the same streams."""
    per_decoder = {}
    for decoder in ("windows", "segments"):
        params = sentence.model_copy(update={"decoder": decoder})
        results = [{"stream": s.name, "mode": s.mode, **score(s, decode(s, bundle, params))} for s in streams]
        per_decoder[decoder] = {"all": summarise(results),
                                **{mode: summarise([r for r in results if r["mode"] == mode]) for mode in ("natural", "pauses")},
                                "streams": results}
    oracle_pairs = [(collapse(list(s.words)), collapse(oracle(s, bundle))) for s in streams]
    per_decoder["oracle_wer"] = word_error_rate(oracle_pairs)
    return per_decoder


def measure(ctx: Context) -> list[Row]:
    from signlang.features.holistic import HolisticSettings
    from signlang.serving.bundle import Bundle

    params = ctx.params()
    bundle = Bundle.load(ctx.bundle_dir)
    settings = HolisticSettings.from_params(params.extract).for_parts(bundle.spec.parts)
    streams = build_streams(ctx, bundle, settings)
    ctx.log(f"bench: continuous signing on {len(streams)} streams ({len({s.signer for s in streams})} signers) ...")
    result = evaluate(streams, bundle, ctx.apps().sentence)
    windows, segments = result["windows"]["all"], result["segments"]["all"]
    raw = {**result, "segmenter": bundle.segmenter.to_dict(), "bundle": str(bundle.source), "pause_seconds": PAUSE_SECONDS,
           "signers": sorted({s.signer for s in streams})}
    share = ratio(segments["wer"], windows["wer"])
    short = {decoder: statistics.median([d for r in result[decoder]["streams"] if r["stream"].split("/")[0] in ONE_PERFORMANCE
                                         for d in r["delays_ms"]] or [float("nan")]) for decoder in ("windows", "segments")}
    note = (f"{len(streams)} streams, {segments['words']} words; natural {result['segments']['natural']['wer']:.3f} vs "
            f"{result['windows']['natural']['wer']:.3f}, pauses {result['segments']['pauses']['wer']:.3f} vs "
            f"{result['windows']['pauses']['wer']:.3f}; oracle segments {result['oracle_wer']:.3f}")
    return [
        Row(f"{FIGURE}: word error rate, segments decoder vs sentence builder", segments["wer"], windows["wer"], "WER",
            ratio(windows["wer"], segments["wer"]), "builder WER / segments WER", f"<= {TARGET_WER_SHARE:g}x builder",
            share is not None and share <= TARGET_WER_SHARE, note=note, raw=raw),
        Row(f"{FIGURE}: median delay sign end -> word shown, segments vs builder", segments["median_delay_ms"],
            windows["median_delay_ms"], "ms", ratio(windows["median_delay_ms"], segments["median_delay_ms"]),
            "builder delay / segments delay", f"< {TARGET_DELAY_MS:g} ms",
            segments["median_delay_ms"] is not None and segments["median_delay_ms"] < TARGET_DELAY_MS,
            note=(f"over {segments['recognised']} vs {windows['recognised']} correctly recognised signs; a sign ends at its "
                  f"clip's last hand frame, and clips that show their sign twice give negative delays; signers A and B "
                  f"(one performance per clip): {short['segments']:.0f} vs {short['windows']:.0f} ms; from the decoded "
                  f"sign's last frame: {segments['median_latency_ms']:.0f} ms")),
    ]
