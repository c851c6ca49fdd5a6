"""realtime/text.py: labels in any script drawn with a real font, no tofu, RTL shaped."""

from __future__ import annotations

import numpy as np
import pytest

from realtime import text

LABELS = ["xin chào", "cảm ơn", "¿cómo estás?", "mühendis", "شكرا", "teşekkürederim"]
# With Pillow's libraqm when it is there; the basic layout (python-bidi + arabic-reshaper) always.
ENGINES = [pytest.param(True, id="raqm",
                        marks=pytest.mark.skipif(not text.raqm_available(), reason="Pillow without libraqm")),
           pytest.param(False, id="basic")]
NOT_IN_FONT = "\ue000"  # a private-use code point: DejaVu Sans draws its .notdef box


def charmap(bold: bool) -> set[int]:
    from matplotlib.ft2font import FT2Font

    return set(FT2Font(str(text.font_path(bold))).get_charmap())


def coverage(label: str, raqm: bool, pixels: int = 30) -> np.ndarray:
    return 1.0 - text.render(label, pixels, (255, 255, 255), outline=0, raqm=raqm).keep[..., 0] / 255.0


def same_picture(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.allclose(a, b, atol=0.02)


def coverage_of_codes(codes: str, pixels: int) -> np.ndarray:
    """`codes` drawn as they are by the basic layout: no joining, no reordering."""
    from PIL import Image, ImageDraw

    font = text.load_font(pixels, False, False)
    left, top, right, bottom = font.getbbox(codes, anchor="ls")
    image = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(image).text((-left, -top), codes, font=font, fill=255, anchor="ls")
    return np.asarray(image, dtype=np.float32) / 255.0


@pytest.mark.parametrize("bold", [False, True])
@pytest.mark.parametrize("label", LABELS)
def test_every_character_drawn_is_in_the_font(label: str, bold: bool) -> None:
    codes = charmap(bold)
    for shown in (text.visual(label, raqm=True), text.visual(label, raqm=False)):
        missing = [f"U+{ord(ch):04X}" for ch in shown if ord(ch) not in codes]
        assert not missing, f"{label!r}: {missing} would be drawn as a box"
    assert ord(NOT_IN_FONT) not in codes


@pytest.mark.parametrize("raqm", ENGINES)
@pytest.mark.parametrize("label", LABELS)
def test_labels_are_drawn_neither_as_boxes_nor_as_question_marks(label: str, raqm: bool) -> None:
    drawn = coverage(label, raqm)
    assert drawn.sum() > 20  # ink
    for ch in set(label) - {" "}:
        assert not same_picture(coverage(ch, raqm), coverage(NOT_IN_FONT, raqm)), f"{ch!r} is the .notdef box"
    fallback = "".join(ch if ch.isascii() else "?" for ch in label)
    assert fallback == label or not same_picture(drawn, coverage(fallback, raqm))


def test_arabic_is_joined_and_right_to_left() -> None:
    # شكرا in presentation forms, in visual (left-to-right on screen) order: alef, reh, kaf, sheen.
    assert text.visual("شكرا", raqm=False) == "\ufe8d\ufeae\ufedc\ufeb7"
    assert text.visual("xin chào", raqm=False) == "xin chào"
    assert text.visual("cha\u0300o", raqm=False) == "chào"  # NFD in, composed out
    basic = coverage("شكرا", raqm=False, pixels=40)
    # Drawn as stored (isolated letters, left to right) it is another picture.
    assert not same_picture(basic, coverage_of_codes("شكرا", 40))
    if text.raqm_available():  # libraqm's own shaping draws the same word
        shaped = coverage("شكرا", raqm=True, pixels=40)
        assert shaped.shape == basic.shape and np.abs(shaped - basic).mean() < 0.02  # kerning may differ


def test_rendering_is_cached_and_blends_in_place() -> None:
    frame = np.zeros((60, 200, 3), np.uint8)
    text.render.cache_clear()
    for _ in range(5):
        text.draw(frame, "cảm ơn", (5, 40), 30, (255, 255, 255))
    assert text.render.cache_info().misses == 1 and text.render.cache_info().hits == 4
    assert frame[:, :, 0].max() == 255 and frame[50:].max() == 0  # below the descenders: untouched
    text.draw(frame, "cảm ơn", (190, 40), 30, (255, 255, 255))  # cut at the frame's edge, no error
    text.draw(frame, "cảm ơn", (-500, -500), 30, (255, 255, 255))


def test_fit_cuts_long_labels_with_an_ellipsis() -> None:
    long = "a very long label that no panel can hold, written by a team"
    cut = text.fit(long, 200, 20)
    assert cut.endswith(text.ELLIPSIS) and long.startswith(cut[:-1])
    assert text.text_width(cut, 20) <= 200 < text.text_width(long, 20)
    assert text.fit("xin chào", 200, 20) == "xin chào"
