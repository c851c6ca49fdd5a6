"""Scoring helpers: metrics on a hand-worked example, stable metrics.json, the figures and
CSVs DVC tracks."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from signlang.errors import InputFileError
from signlang.metrics.evaluation import (
    classification_metrics,
    confused_pairs,
    metrics_document,
    per_class_csv,
    read_metric,
    signer_blocks,
    write_blocks_csv,
    write_confusion_csv,
    write_metrics_json,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Hand-worked: a is found 2 of 3 times (never predicted wrongly), one b is called c, one a b.
Y_TRUE = ["a", "a", "a", "b", "b", "c"]
Y_PRED = ["a", "a", "b", "b", "c", "c"]
CLASSES = ["a", "b", "c", "d"]  # d: never seen, never predicted


def test_metrics_match_the_hand_worked_example() -> None:
    metrics = classification_metrics(Y_TRUE, Y_PRED, CLASSES)
    assert metrics["samples"] == 6
    assert metrics["accuracy"] == round(4 / 6, 6)
    # a: P 2/2, R 2/3, F1 0.8; b: P 1/2, R 1/2, F1 0.5; c: P 1/2, R 1/1, F1 2/3.
    assert metrics["per_class"]["a"] == {"precision": 1.0, "recall": round(2 / 3, 6), "f1": 0.8, "support": 3}
    assert metrics["per_class"]["b"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert metrics["per_class"]["c"] == {"precision": 0.5, "recall": 1.0, "f1": round(2 / 3, 6), "support": 1}
    assert metrics["per_class"]["d"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    # Macro averages over the classes that occur (a, b, c), not over d.
    assert metrics["macro_precision"] == round((1 + 0.5 + 0.5) / 3, 6)
    assert metrics["macro_recall"] == round((2 / 3 + 0.5 + 1) / 3, 6)
    assert metrics["macro_f1"] == round((0.8 + 0.5 + 2 / 3) / 3, 6)
    assert list(metrics["per_class"]) == CLASSES


def test_metrics_zero_division_and_edge_cases() -> None:
    # A class predicted but never true: precision 0, no warning, no NaN.
    metrics = classification_metrics(["a", "a"], ["a", "b"], ["a", "b"])
    assert metrics["per_class"]["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert metrics["accuracy"] == 0.5
    empty = classification_metrics([], [], ["a", "b"])
    assert empty["samples"] == 0 and empty["accuracy"] is None and empty["macro_f1"] is None
    with pytest.raises(ValueError, match="not among the classes"):
        classification_metrics(["a", "z"], ["a", "a"], ["a", "b"])
    with pytest.raises(ValueError):
        classification_metrics(["a"], ["a", "a"], ["a"])


def test_metrics_keep_non_latin_labels() -> None:
    classes = ["cảm ơn", "xin chào", "¿qué?"]
    metrics = classification_metrics(classes, classes, classes)
    assert metrics["accuracy"] == 1.0 and list(metrics["per_class"]) == classes


def _by_subset() -> dict:
    return {
        "test": classification_metrics(Y_TRUE, Y_PRED, CLASSES),
        "train": classification_metrics(["a", "b", "c"], ["a", "b", "b"], CLASSES),
    }


def test_metrics_json_layout_and_stable_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "metrics.json", tmp_path / "b" / "metrics.json"
    written = write_metrics_json(first, _by_subset())
    write_metrics_json(second, _by_subset())
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "\n  \"accuracy\"" in text
    document = json.loads(text)
    assert document == written
    # Test scores at the top level, the other subsets summarised under their name.
    assert document["accuracy"] == round(4 / 6, 6)
    assert set(document) == {"accuracy", "macro_precision", "macro_recall", "macro_f1", "samples", "per_class", "train"}
    assert document["train"] == {"accuracy": round(2 / 3, 6), "macro_f1": document["train"]["macro_f1"], "samples": 3}
    assert list(document) == sorted(document)
    assert read_metric(first, "macro_f1") == document["macro_f1"]
    with pytest.raises(ValueError, match="test"):
        write_metrics_json(tmp_path / "x.json", {"train": _by_subset()["train"]})


def test_read_metric_names_the_problem(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        read_metric(tmp_path / "missing.json", "macro_f1")
    bad = tmp_path / "bad.json"
    bad.write_text('{"accuracy": null}\n')
    with pytest.raises(InputFileError, match="macro_f1"):
        read_metric(bad, "macro_f1")


def test_confusion_and_per_class_csv(tmp_path: Path) -> None:
    ids = ["s3", "s1", "s2", "s5", "s4", "s6"]
    path = write_confusion_csv(tmp_path / "plots" / "confusion_test.csv", ids, Y_TRUE, Y_PRED)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["id"] for row in rows] == sorted(ids)
    assert {(row["id"], row["actual"], row["predicted"]) for row in rows} == set(zip(ids, Y_TRUE, Y_PRED))
    assert path.read_text().splitlines()[0] == "id,actual,predicted"
    with pytest.raises(ValueError):
        write_confusion_csv(tmp_path / "x.csv", ids[:2], Y_TRUE, Y_PRED)

    table = per_class_csv(tmp_path / "per_class.csv", classification_metrics(Y_TRUE, Y_PRED, CLASSES))
    lines = table.read_text().splitlines()
    assert lines[0] == "class,precision,recall,f1,support"
    assert lines[1] == "a,1.0,0.666667,0.8,3"
    assert len(lines) == 1 + len(CLASSES)


def test_signer_blocks_find_whole_blocks_taken_for_another_class(tmp_path: Path) -> None:
    signers = ["ann"] * 6 + ["bob"] * 6
    truth = ["hello", "hello", "hello", "no", "no", "no"] * 2
    predicted = ["hello", "hello", "hello", "no", "no", "hello", "hello", "hello", "no", "yes", "yes", "yes"]
    blocks = signer_blocks(signers, truth, predicted)
    assert [(b["signer"], b["label"], b["windows"], b["errors"]) for b in blocks] == [
        ("ann", "hello", 3, 0), ("ann", "no", 3, 1), ("bob", "hello", 3, 1), ("bob", "no", 3, 3)]
    assert blocks[1]["accuracy"] == round(2 / 3, 6) and blocks[1]["taken_for"] == "no"
    assert blocks[3]["accuracy"] == 0.0 and blocks[3]["taken_for"] == "yes" and blocks[3]["taken_for_share"] == 1.0
    path = write_blocks_csv(tmp_path / "blocks.csv", blocks)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "signer,label,windows,errors,accuracy,taken_for,taken_for_share"
    assert lines[4] == "bob,no,3,3,0.0,yes,1.0"


def test_signer_scores_and_class_support() -> None:
    from signlang.metrics.evaluation import class_signer_support, signer_scores

    signers = ["ann"] * 4 + ["bob"] * 4 + ["cy"] * 2
    truth = ["a", "a", "b", "b", "a", "a", "b", "b", "a", "c"]
    guess = ["a", "a", "b", "a", "b", "b", "b", "b", "a", "c"]  # ann 3/4, bob 2/4, cy 2/2
    assert signer_scores(signers, truth, guess) == {
        "signers": 3, "worst_signer": "bob", "worst_signer_accuracy": 0.5,
        "median_signer_accuracy": 0.75, "signer_accuracy_std": round(float(np.std([0.75, 0.5, 1.0])), 6)}
    assert signer_scores([], [], [])["worst_signer_accuracy"] is None
    # A signer with too few windows to say who is served worst does not count for the worst.
    few = ["ann"] * 4 + ["bob"] * 2 + ["cy"] * 4
    assert signer_scores(few, truth, guess, min_windows=3)["worst_signer"] == "ann"
    assert signer_scores(few, truth, guess, min_windows=3)["signers"] == 3
    assert signer_scores(few, truth, guess, min_windows=5)["worst_signer_accuracy"] is None
    assert class_signer_support(truth, signers, ["a", "b", "c", "d"]) == {"a": 3, "b": 2, "c": 1, "d": 0}
    document = metrics_document({"test": {**classification_metrics(truth, guess, ["a", "b", "c"]),
                                          **signer_scores(signers, truth, guess)}})
    assert document["worst_signer_accuracy"] == 0.5 and document["worst_signer"] == "bob"


# --- many classes, any script: the clustered confusion figure and the confused pairs ------

def test_confused_pairs_count_both_directions() -> None:
    truth = ["m"] * 10 + ["n"] * 10 + ["p"] * 10 + ["q"] * 4
    guess = ["m"] * 6 + ["n"] * 4 + ["n"] * 7 + ["m"] * 3 + ["p"] * 9 + ["q"] + ["q"] * 2 + ["p"] * 2
    pairs = confused_pairs(truth, guess, ["m", "n", "p", "q", "r"])
    assert pairs == [
        {"class_a": "m", "class_b": "n", "errors": 7, "a_as_b": 4, "b_as_a": 3, "share": 0.35},
        {"class_a": "q", "class_b": "p", "errors": 3, "a_as_b": 2, "b_as_a": 1, "share": round(3 / 14, 6)},
    ]
    assert confused_pairs(truth, guess, ["m", "n", "p", "q", "r"], limit=1) == pairs[:1]
    assert confused_pairs([], [], ["m", "n"]) == []


def test_metrics_are_sklearns_to_the_last_bit() -> None:
    """classification_metrics runs on numpy (the operator's install has no scikit-learn); its
    scores are sklearn's exactly, on real-sized random predictions with absent classes."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    from signlang.metrics.evaluation import precision_recall_f1

    rng = np.random.default_rng(7)
    for _ in range(50):
        classes = [f"c{i}" for i in range(int(rng.integers(2, 30)))]
        truth = np.array(classes)[rng.integers(0, len(classes) - 1, int(rng.integers(1, 300)))]
        guess = np.where(rng.random(len(truth)) < rng.random(), truth, np.array(classes)[rng.integers(0, len(classes), len(truth))])
        ours = precision_recall_f1(truth, guess, classes)
        theirs = precision_recall_fscore_support(truth, guess, labels=classes, average=None, zero_division=0)
        assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))
        present = [name for name in classes if name in set(truth) | set(guess)]
        macro = precision_recall_fscore_support(truth, guess, labels=present, average="macro", zero_division=0)
        metrics = classification_metrics(truth, guess, classes)
        assert [metrics[key] for key in ("macro_precision", "macro_recall", "macro_f1")] == [round(v, 6) for v in macro[:3]]
        assert metrics["accuracy"] == round(accuracy_score(truth, guess), 6)


def test_summary_line_says_when_no_signer_can_be_scored_as_a_person() -> None:
    from signlang.metrics.evaluation import summary_line

    test = {"accuracy": 0.75, "macro_f1": 0.5, "worst_signer_accuracy": None, "samples": 4, "signers": 1}
    train = {**test, "worst_signer_accuracy": 0.9, "samples": 280, "signers": 4}
    assert summary_line({"train": train, "test": test}) == (
        "train accuracy 0.750 macro_f1 0.500 worst signer 0.900 (280 samples, 4 signers), "
        "test accuracy 0.750 macro_f1 0.500 worst signer none (4 samples, 1 signers)")
