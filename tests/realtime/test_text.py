"""realtime/text.py: labels in any script drawn with a real font, no tofu, complex scripts shaped."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from realtime import text
from signlang import fonts

LABELS = ["xin chào", "cảm ơn", "¿cómo estás?", "mühendis", "شكرا", "teşekkürederim"]
# One real word a script, each with the font it must be drawn with (file, face in a collection).
WORDS = {
    "cảm ơn": ("DejaVuSans", 0), "спасибо": ("DejaVuSans", 0), "ευχαριστώ": ("DejaVuSans", 0),
    "شكرا": ("NotoSansArabic", 0), "תודה": ("NotoSansHebrew", 0), "नमस्ते": ("NotoSansDevanagari", 0),
    "ขอบคุณ": ("NotoSansThai", 0), "감사합니다": ("NotoSansCJK", text.CJK_KR), "谢谢": ("NotoSansCJK", text.CJK_SC),
    "ありがとう": ("NotoSansCJK", text.CJK_JP),
}
NOTO = all(face.files[bold] in text.system_fonts() for face in text.SCRIPT_FACES.values() for bold in (0, 1))
needs_noto = pytest.mark.skipif(not NOTO, reason="fonts-noto-core / fonts-noto-cjk not installed (setup.sh installs them)")
# With Pillow's libraqm when it is there; the basic layout (python-bidi + arabic-reshaper) always.
ENGINES = [pytest.param(True, id="raqm",
                        marks=pytest.mark.skipif(not text.raqm_available(), reason="Pillow without libraqm")),
           pytest.param(False, id="basic")]
NOT_IN_FONT = "\ue000"  # a private-use code point: no font here has it, DejaVu Sans draws its .notdef box


@cache
def cmap(font: text.FontKey) -> set[int]:
    from fontTools.ttLib import TTFont

    return set(TTFont(font[0], fontNumber=font[1]).getBestCmap())


def coverage(label: str, raqm: bool, pixels: int = 30) -> np.ndarray:
    return 1.0 - text.render(label, pixels, (255, 255, 255), outline=0, raqm=raqm).keep[..., 0] / 255.0


def same_picture(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.allclose(a, b, atol=0.02)


def coverage_of_codes(codes: str, pixels: int) -> np.ndarray:
    """`codes` drawn as they are by the basic layout in their font: no joining, no reordering."""
    from PIL import Image, ImageDraw

    font = text.load_font(pixels, False, False, text.runs(codes, raqm=True)[0].font)
    left, top, right, bottom = font.getbbox(codes, anchor="ls")
    image = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(image).text((-left, -top), codes, font=font, fill=255, anchor="ls")
    return np.asarray(image, dtype=np.float32) / 255.0


def assert_every_character_has_a_glyph(label: str, bold: bool, raqm: bool) -> list[text.Run]:
    runs = text.runs(label, bold, raqm)
    for run in runs:
        missing = [f"U+{ord(ch):04X}" for ch in run.text if ord(ch) not in cmap(run.font)]
        assert not missing, f"{label!r}: {missing} would be drawn as boxes by {run.font}"
    return runs


@pytest.mark.parametrize("raqm", ENGINES)
@pytest.mark.parametrize("bold", [False, True])
@pytest.mark.parametrize("label", LABELS)
def test_every_character_drawn_is_in_its_font(label: str, bold: bool, raqm: bool) -> None:
    assert_every_character_has_a_glyph(label, bold, raqm)
    assert ord(NOT_IN_FONT) not in cmap(text.face_font(None, bold))


@needs_noto
@pytest.mark.parametrize("raqm", ENGINES)
@pytest.mark.parametrize("bold", [False, True])
@pytest.mark.parametrize("word", WORDS)
def test_a_word_in_each_script_is_drawn_with_its_own_font(word: str, bold: bool, raqm: bool) -> None:
    (run,) = assert_every_character_has_a_glyph(word, bold, raqm)
    name, face = WORDS[word]
    assert run.font[0].rsplit("/", 1)[-1].startswith(name + ("-Bold" if bold else "")) and run.font[1] == face
    drawn = 1.0 - text.render(word, 30, (255, 255, 255), bold, outline=0, raqm=raqm).keep[..., 0] / 255.0
    assert drawn.sum() > 20 * len(word) and drawn.shape[1] > 10 * len(word)  # ink, as wide as a word


@pytest.mark.parametrize("raqm", ENGINES)
@pytest.mark.parametrize("label", LABELS + [word for word in WORDS if NOTO])
def test_labels_are_drawn_neither_as_boxes_nor_as_question_marks(label: str, raqm: bool) -> None:
    drawn = coverage(label, raqm)
    assert drawn.sum() > 20  # ink
    for ch in set(label) - {" "}:
        assert not same_picture(coverage(ch, raqm), coverage(NOT_IN_FONT, raqm)), f"{ch!r} is the .notdef box"
    fallback = "".join(ch if ch.isascii() else "?" for ch in label)
    assert fallback == label or not same_picture(drawn, coverage(fallback, raqm))


def test_arabic_is_joined_and_right_to_left() -> None:
    # شكرا in presentation forms, in visual (left-to-right on screen) order: alef, reh, kaf, sheen.
    assert [run.text for run in text.runs("شكرا", raqm=False)] == ["\ufe8d\ufeae\ufedc\ufeb7"]
    assert [run.text for run in text.runs("cha\u0300o", raqm=False)] == ["chào"]  # NFD in, composed out
    isolated = coverage_of_codes("شكرا", 40)  # drawn as stored: isolated letters, left to right
    for raqm in [False] + [True] * text.raqm_available():
        assert not same_picture(coverage("شكرا", raqm, pixels=40), isolated)


@needs_noto
@pytest.mark.skipif(not text.raqm_available(), reason="Pillow without libraqm")
@pytest.mark.parametrize("word", ["नमस्ते", "ที่"])  # a conjunct (स्त) and vowel sign; stacked Thai marks
def test_complex_scripts_are_shaped_by_libraqm(word: str) -> None:
    assert not same_picture(coverage(word, True, pixels=40), coverage_of_codes(word, 40))


def test_mixed_directions_are_placed_in_bidi_order() -> None:
    def order(label: str) -> list[str]:
        runs = text.layout(label, 30, False, 1, text.raqm_available())[0]
        assert [run.x for run in runs] == sorted(run.x for run in runs)
        return [run.text.strip() for run in runs]

    assert order("abc שלום def")[0] == "abc" and order("abc שלום def")[-1] == "def"
    assert order("שלום abc")[0] == "abc"  # right-to-left label: the Latin word on the left
    assert [run.direction for run in text.runs("שלום abc")] == ["rtl", "rtl"]


def test_missing_fonts_warn_once_and_fall_back_to_dejavu(monkeypatch, capsys) -> None:
    caches = [text.system_fonts, text.face_font, text._warn_missing, text.layout, text.render]

    def clear() -> None:
        for cached in caches:
            cached.cache_clear()

    clear()
    monkeypatch.setattr(fonts, "FONT_DIRS", ())
    try:
        for word in ("नमस्ते", "谢谢", "감사합니다", "नमस्ते"):
            text.draw(np.zeros((60, 300, 3), np.uint8), word, (5, 40), 30, (255, 255, 255))
            assert {run.font for run in text.runs(word)} == {text.face_font(None)}
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == 2 and "fonts-noto-core" in lines[0] and "fonts-noto-cjk" in lines[1], lines
        assert "Devanagari" in lines[0] and "Hangul" in lines[1]
    finally:
        monkeypatch.undo()
        clear()


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
    assert text.fit("谢谢谢谢谢谢谢谢谢谢", 100, 20).endswith(text.ELLIPSIS)
