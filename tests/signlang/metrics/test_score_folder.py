"""signlang.metrics.score_folder, the pieces of `signlang evaluate`: how videos are read (the damage
rule naming the params key only when params set it) and the predictions CSV's top 3."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest


def test_video_reading_names_the_damage_key_only_when_params_set_it(project_root: Path) -> None:
    from signlang.metrics.score_folder import VideoReading
    from signlang.params import Params, load_params

    plain = VideoReading.from_params(None, ["pose", "left_hand", "right_hand"])
    assert plain.damage(1, 149) == ("only 1 of the 149 frames the file reports could be decoded "
                                    "(damaged or truncated: at least 75% of them must decode)")
    assert plain.damage(112, 149) is None and plain.damage(111, 149) is not None  # 0.75 x 149 = 111.75
    assert plain.damage(3, 0) is None  # no frame count stated: nothing to compare
    assert plain.settings.face is False
    assert VideoReading.from_params(None, ["pose", "face"]).settings.face is True  # the bundle needs the face
    params = load_params(project_root / "params.yaml")  # sets extract.min_decoded_fraction
    assert VideoReading.from_params(params.extract, ["pose"]).damage(1, 149) == (
        "only 1 of the 149 frames the file reports could be decoded (damaged or truncated; "
        f"--params sets extract.min_decoded_fraction to {params.extract.min_decoded_fraction:g})")
    raw = params.model_dump()
    del raw["extract"]["min_decoded_fraction"]  # a params file without the key: the default, in plain words
    unset = VideoReading.from_params(Params.model_validate(raw).extract, ["pose"])
    assert "extract." not in unset.damage(1, 149) and "75%" in unset.damage(1, 149)


def test_write_predictions_csv_top3(tmp_path: Path) -> None:
    from signlang.metrics.score_folder import PREDICTION_COLUMNS, write_predictions_csv

    classes = ("hello", "no", "thanks", "yes")
    probabilities = np.array([[0.1, 0.6, 0.2, 0.1], [0.25, 0.25, 0.4, 0.1]], dtype=np.float32)
    path = write_predictions_csv(tmp_path / "out" / "predictions.csv", ["a.mp4", "b.npz#3"], ["no", "hello"],
                                 probabilities, classes)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(PREDICTION_COLUMNS) == ["sample", "truth", "pred1", "p1", "pred2", "p2", "pred3", "p3"]
    assert rows[1] == ["a.mp4", "no", "no", "0.6", "thanks", "0.2", "hello", "0.1"]  # tie hello/yes: class order
    assert rows[2] == ["b.npz#3", "hello", "thanks", "0.4", "hello", "0.25", "no", "0.25"]
    two = write_predictions_csv(tmp_path / "two.csv", ["c.mp4"], ["yes"], np.array([[0.3, 0.7]]), ("no", "yes"))
    assert two.read_text(encoding="utf-8").splitlines()[1] == "c.mp4,yes,yes,0.7,no,0.3,,"
    with pytest.raises(ValueError, match="do not match"):
        write_predictions_csv(tmp_path / "bad.csv", ["a.mp4"], ["no"], probabilities, classes)
