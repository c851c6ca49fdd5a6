"""signlang.metrics.figures: the confusion matrices and curves are valid PNGs whose bytes depend on
the data alone; from 16 classes on, classes taken for each other sit together."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np
import pytest

from signlang.errors import InputFileError
from signlang.fonts import figure_rc, system_fonts
from signlang.metrics.evaluation import classification_metrics, confused_pairs, confusion_counts, per_class_csv
from signlang.metrics.figures import cluster_order, confusion_png, curves_png, row_shares

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"



def test_confusion_png_is_a_valid_stable_png(tmp_path: Path) -> None:
    from PIL import Image

    classes = [f"class {i:02d} long name" for i in range(14)]
    rng = np.random.default_rng(0)
    y_true = rng.choice(classes, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.choice(classes, 200))
    first = confusion_png(tmp_path / "figures" / "one.png", y_true, y_pred, classes, "Confusion matrix (test)")
    second = confusion_png(tmp_path / "figures" / "two.png", y_true, y_pred, classes, "Confusion matrix (test)")
    data = first.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert data == second.read_bytes()
    assert b"Software" not in data
    with Image.open(first) as image:
        image.verify()
    with Image.open(first) as image:
        # The figure grows with the class count: 14 classes need well over 5 inches at 100 dpi.
        assert min(image.size) > 800
    small = confusion_png(tmp_path / "small.png", ["a"], ["b"], ["a", "b"], "two classes")
    with Image.open(small) as image:
        assert image.size[1] < 800
    empty = confusion_png(tmp_path / "empty.png", [], [], ["a", "b"], "nothing")
    assert empty.read_bytes().startswith(PNG_SIGNATURE)


def test_curves_png(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text(
        "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate\n"
        "1,2.0,0.2,2.1,0.1,0.001\n2,1.5,0.4,1.9,0.3,0.001\n3,1.0,0.6,1.7,0.5,0.001\n"
    )
    first = curves_png(history, tmp_path / "curves.png")
    second = curves_png(history, tmp_path / "again.png")
    assert first.read_bytes().startswith(PNG_SIGNATURE)
    assert first.read_bytes() == second.read_bytes()
    # Without validation the val columns are empty; still draws.
    no_val = tmp_path / "no_val.csv"
    no_val.write_text("epoch,loss,accuracy,val_loss,val_accuracy,learning_rate\n1,2.0,0.2,,,0.001\n")
    assert curves_png(no_val, tmp_path / "no_val.png").is_file()
    with pytest.raises(InputFileError, match="not found"):
        curves_png(tmp_path / "missing.csv", tmp_path / "x.png")


def test_cluster_order_puts_classes_taken_for_each_other_together() -> None:
    counts = np.eye(20, dtype=int) * 10
    for a, b in ((0, 13), (5, 17), (9, 2)):  # confused pairs far apart in the given order
        counts[a, a] = counts[b, b] = 6
        counts[a, b] = counts[b, a] = 4
    order = cluster_order(row_shares(counts))
    assert sorted(order) == list(range(20))
    for a, b in ((0, 13), (5, 17), (9, 2)):
        assert abs(order.index(a) - order.index(b)) == 1
    assert cluster_order(row_shares(counts)) == order  # deterministic


@pytest.mark.slow
def test_confusion_figure_and_pairs_at_real_vocabulary_size(shared_data: Path, tmp_path: Path) -> None:
    from collections import Counter

    from PIL import Image

    from signlang.metrics.figures import _clustered_figure

    table, truth, guess = _vocab_run(shared_data, tmp_path)
    classes = sorted(set(table["label"]))
    assert len(classes) >= 70 and "teşekkürederim" in classes and "no hands detected" in classes
    assert table.attrs["merged_labels"]["a"] == ["A"]  # hirak214's capitals join dylan-ngjj's letters

    path = confusion_png(tmp_path / "confusion_test.png", truth, guess, classes, "Confusion matrix (test)")
    with Image.open(path) as image:
        assert 0.2 * 100 * len(classes) < min(image.size) < 0.2 * 100 * len(classes) + 800  # 0.2 inch per class
    assert confusion_png(tmp_path / "again.png", truth, guess, classes, "x").read_bytes() != b""
    counts = confusion_counts(truth, guess, classes)
    order = cluster_order(row_shares(counts))
    figure = _clustered_figure(counts, classes, "Confusion matrix (test)")
    assert [tick.get_text() for tick in figure.axes[0].get_yticklabels()] == [classes[i] for i in order]

    # Confusions sit closer to the diagonal in the clustered order than in alphabetical order.
    shares = row_shares(counts)
    np.fill_diagonal(shares, 0)

    def spread(positions: np.ndarray) -> float:
        return float((shares * np.abs(positions[:, None] - positions[None, :])).sum())

    clustered = np.empty(len(classes))
    clustered[order] = np.arange(len(classes))
    assert spread(clustered) < 0.5 * spread(np.arange(len(classes), dtype=float))

    pairs = confused_pairs(truth, guess, classes)
    both_ways = Counter(tuple(sorted(pair)) for pair in zip(truth, guess) if pair[0] != pair[1])
    assert len(pairs) == 30 and [pair["errors"] for pair in pairs] == sorted(both_ways.values(), reverse=True)[:30]
    assert both_ways[tuple(sorted((pairs[0]["class_a"], pairs[0]["class_b"])))] == pairs[0]["errors"]

    table_path = per_class_csv(tmp_path / "per_class.csv", classification_metrics(truth, guess, classes))
    with open(table_path, newline="", encoding="utf-8") as handle:
        assert [row["class"] for row in csv.DictReader(handle)] == classes


SCRIPTS = ["xin chào", "cảm ơn", "¿cómo estás?", "mühendis", "شكرا", "teşekkürederim", "My Name is: ", "спасибо",
           "ευχαριστώ", "תודה"]


# One real word a script DejaVu Sans lacks, with the Noto font file it must come from (DejaVu Sans
# has Latin, Cyrillic, Greek, Arabic and Hebrew: SCRIPTS).
NOTO_WORDS = {"नमस्ते": "NotoSansDevanagari-Regular.ttf", "ขอบคุณ": "NotoSansThai-Regular.ttf",
              "감사합니다": "NotoSansCJK-Regular.ttc", "谢谢": "NotoSansCJK-Regular.ttc", "ありがとう": "NotoSansCJK-Regular.ttc"}


def laid_out_glyphs(label: str, properties) -> list[tuple[str, int, str]]:
    """(font file, glyph index, character) of each glyph as matplotlib lays out `label` with the
    figure's font fallback, in left-to-right order; a character no font has comes from
    matplotlib's Last Resort font (a box), or is glyph 0 of the font asked for."""
    from matplotlib._text_helpers import layout
    from matplotlib.font_manager import fontManager, get_font

    font = get_font(fontManager._find_fonts_by_props(properties))
    return [(Path(item.ft_object.fname).name, item.glyph_index, item.char) for item in layout(label, font)]


@pytest.mark.parametrize("draw", ["_counts_figure", "_clustered_figure"])
def test_figure_labels_in_any_script_are_drawn_with_real_glyphs(draw: str) -> None:
    from signlang.metrics import figures

    classes = SCRIPTS + [f"class {i}" for i in range(14 if draw == "_clustered_figure" else 0)]
    counts = np.eye(len(classes), dtype=int) * 3
    figure = getattr(figures, draw)(counts, classes, "Confusion matrix (test)")
    ticks = figure.axes[0].get_yticklabels()
    assert sorted(tick.get_text() for tick in ticks) == sorted(classes)  # exact names, spaces kept
    for tick in ticks:
        glyphs = laid_out_glyphs(tick.get_text(), tick.get_fontproperties())
        assert all(font == "DejaVuSans.ttf" and index != 0 for font, index, _ in glyphs), glyphs
    arabic = laid_out_glyphs("شكرا", ticks[0].get_fontproperties())
    assert [char for _, _, char in arabic] == list("اركش")  # right to left on screen
    isolated = laid_out_glyphs("ش", ticks[0].get_fontproperties())[0][1]
    assert arabic[-1][1] != isolated  # joined: sheen in its initial form


@pytest.mark.skipif(not all(name in system_fonts() for name in NOTO_WORDS.values()),
                    reason="fonts-noto-core / fonts-noto-cjk not installed (setup.sh installs them)")
def test_figure_labels_in_scripts_dejavu_lacks_come_from_noto(tmp_path: Path) -> None:
    import matplotlib

    from signlang.metrics import figures

    classes = ["xin chào", *NOTO_WORDS]
    with matplotlib.rc_context(figure_rc()):
        figure = figures._counts_figure(np.eye(len(classes), dtype=int), classes, "Confusion matrix (test)")
        for tick in figure.axes[0].get_yticklabels():
            word = tick.get_text()
            glyphs = laid_out_glyphs(word, tick.get_fontproperties())
            expected = NOTO_WORDS.get(word, "DejaVuSans.ttf")
            assert all(index != 0 for _, index, _ in glyphs), glyphs  # no box
            assert all(font == expected for font, _, char in glyphs if not char.isspace()), glyphs
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")
        figures.confusion_png(tmp_path / "confusion.png", classes, classes, classes, "Confusion matrix (test)")


@pytest.mark.skipif("NotoSansCJK-Regular.ttc" not in system_fonts(), reason="fonts-noto-cjk not installed")
@pytest.mark.parametrize(("labels", "family"), [(["谢谢", "你好"], "Noto Sans CJK SC"),
                                                (["ありがとう", "日本"], "Noto Sans CJK JP")])
def test_han_takes_the_forms_of_the_labels_language(labels: list[str], family: str) -> None:
    """Chinese forms by default; Japanese where a label holds kana (as the live overlay does)."""
    import matplotlib
    from matplotlib._text_helpers import layout
    from matplotlib.font_manager import FontProperties, fontManager, get_font

    with matplotlib.rc_context(figure_rc(labels)):
        font = get_font(fontManager._find_fonts_by_props(FontProperties()))
        assert {item.ft_object.family_name for item in layout(labels[-1], font)} == {family}


def _vocab_run(shared_data: Path, tmp_path: Path):
    """Real labels of four vocab sets (ingest merges `A`/`a`, ...) and the predictions of a
    nearest-centroid classifier on window statistics (half the sequences each side)."""
    import os

    from sklearn.neighbors import NearestCentroid

    from signlang.data.ingest import build_manifest, load_keypoint_sample
    from signlang.data.settings import IngestParams, SourceParams

    folder = tmp_path / "vocab"
    folder.mkdir()
    for name in ("dylan-ngjj", "hirak214", "jackfai1993", "fatih150"):  # links: the data is not copied
        os.symlink(shared_data / "keypoints" / "vocab" / f"{name}.npz", folder / f"{name}.npz")
    table = build_manifest(IngestParams(sources=[SourceParams(path=str(folder))], label_aliases={},
                                        min_samples_per_class=10))
    windows = np.stack([load_keypoint_sample(row) for row in table.to_dict("records")])
    features = np.concatenate([windows.mean(axis=1), windows.std(axis=1)], axis=1)
    labels, test = table["label"].to_numpy(), np.arange(len(table)) % 2 == 1
    guess = NearestCentroid().fit(features[~test], labels[~test]).predict(features[test])
    return table, labels[test], guess
