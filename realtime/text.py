"""Text on video frames in any script: `xin chào`, `спасибо`, `شكرا`, `नमस्ते`, `ขอบคุณ`, `감사합니다`, `谢谢`.

A label is cut into runs of one font and one direction. Latin (Vietnamese included), Greek and
Cyrillic are drawn with DejaVu Sans, the copy matplotlib ships (the figures and the overlay share
it); Arabic, Hebrew, Devanagari and Thai with Debian's Noto fonts (fonts-noto-core), Hangul, kana
and Han with Noto Sans CJK (fonts-noto-cjk); setup.sh installs both. Spaces, digits and punctuation
stay in their run when its font has them, else go to DejaVu Sans. Where a Noto font is missing, one
line on stderr names the package and its scripts fall back to DejaVu Sans (boxes where it has no
glyph). Shaping (Arabic joining, Devanagari conjuncts, Thai marks) and bidi are Pillow's libraqm
layout when Pillow finds it (its wheel bundles libraqm; it needs the system's libfribidi);
otherwise arabic-reshaper joins Arabic letters and python-bidi orders each run before Pillow's
basic layout (Devanagari conjuncts and Thai mark placement then need libraqm). Runs are placed in
bidi visual order: the base direction from the first strong letter, neutral runs take their
neighbours' direction when both agree. A rendered string is cached as a premultiplied colour patch
and a coverage mask, so drawing it again on the next frame is one blend of a few thousand pixels.
"""

from __future__ import annotations

import importlib.util
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import groupby
from pathlib import Path
from typing import NamedTuple

import numpy as np

from signlang.errors import SignlangError
from signlang.fonts import (
    CJK_FILES,
    CJK_JP,
    CJK_KR,
    CJK_SC,
    NOTO_CJK,
    NOTO_CORE,
    PACKAGE_SCRIPTS,
    has_kana,
    noto_files,
    system_fonts,
)

FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
# DejaVu Sans pixels per unit of OpenCV Hershey scale: the same cap height as cv2.putText.
PIXELS_PER_SCALE = 30.0
CAP_HEIGHT = 0.73  # DejaVu Sans capitals, in em
ELLIPSIS = "…"
Colour = tuple[int, int, int]  # BGR, as OpenCV frames
STRONG = {"L": "ltr", "R": "rtl", "AL": "rtl"}  # Unicode bidi classes of letters -> direction
FontKey = tuple[str, int]  # (font file, face in a collection)


@dataclass(frozen=True)
class Face:
    """A font for one script: (regular, bold) file names, face index, the Debian package."""

    files: tuple[str, str]
    index: int = 0
    package: str = NOTO_CORE


def _noto(name: str) -> Face:
    return Face(noto_files(name))


HAN, JAPANESE = Face(CJK_FILES, CJK_SC, NOTO_CJK), Face(CJK_FILES, CJK_JP, NOTO_CJK)
# The first word of a character's Unicode name -> its font; other scripts use DejaVu Sans. Han
# (CJK) in a label with kana takes the Japanese forms.
SCRIPT_FACES = {
    "ARABIC": _noto("Arabic"), "HEBREW": _noto("Hebrew"), "DEVANAGARI": _noto("Devanagari"), "THAI": _noto("Thai"),
    "HANGUL": Face(CJK_FILES, CJK_KR, NOTO_CJK), "CJK": HAN,
    "HIRAGANA": JAPANESE, "KATAKANA": JAPANESE, "KATAKANA-HIRAGANA": JAPANESE,
}


class Run(NamedTuple):
    """Part of a label in one font and direction: `text` as handed to Pillow (in visual order
    without libraqm), `direction` the label's ('ltr' or 'rtl'), `x` the pen position from the
    label's start."""

    text: str
    font: FontKey
    direction: str
    x: int = 0


def font_path(bold: bool = False) -> Path:
    """DejaVu Sans (bold) from matplotlib's mpl-data, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise SignlangError("the overlay font comes with matplotlib, which is not installed")
    path = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / FONT_FILES[bold]
    if not path.is_file():
        raise SignlangError(f"{path}: the overlay font is missing from matplotlib's install")
    return path


@cache
def _warn_missing(package: str) -> None:
    print(f"overlay: warning: {package} is not installed: {PACKAGE_SCRIPTS[package]} labels are drawn with "
          f"DejaVu Sans (boxes where it has no glyph); install it: apt-get install {package}", file=sys.stderr, flush=True)


@cache
def face_font(face: Face | None, bold: bool = False) -> FontKey:
    """Where `face` is installed; DejaVu Sans for None, or with a warning where it is missing."""
    if face is not None:
        path = system_fonts().get(face.files[bold])
        if path is not None:
            return str(path), face.index
        _warn_missing(face.package)
    return str(font_path(bold)), 0


@cache
def charmap(font: FontKey) -> frozenset[int]:
    """The code points `font` has glyphs for."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(font[0], fontNumber=font[1], lazy=True).getBestCmap())


@lru_cache(maxsize=1)
def raqm_available() -> bool:
    """Does Pillow have libraqm (complex-script shaping and bidi) here?"""
    from PIL import features

    return bool(features.check("raqm"))


def is_rtl(text: str) -> bool:
    """Does `text` hold a right-to-left letter (Arabic, Hebrew, ...)?"""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def script(ch: str) -> str:
    """The first word of the character's Unicode name: LATIN, ARABIC, CJK, ... ('' for none)."""
    return unicodedata.name(ch, "").split(" ")[0]


def fonts_for(text: str, bold: bool = False) -> list[FontKey]:
    """The font chosen for each character of `text`: its script's font when that has the glyph,
    else the previous character's font, else DejaVu Sans (its .notdef box if it lacks it too)."""
    base = face_font(None, bold)
    faces = [SCRIPT_FACES.get(script(ch)) for ch in text]
    if has_kana(text):
        faces = [JAPANESE if face == HAN else face for face in faces]
    current = next((face_font(face, bold) for face in faces if face is not None), base)  # for leading marks
    chosen = []
    for ch, face in zip(text, faces):
        candidates = ([face_font(face, bold)] if face else []) + [current, base]
        current = next((font for font in candidates if ord(ch) in charmap(font)), base)
        chosen.append(current)
    return chosen


def visual_order(levels: list[int]) -> list[int]:
    """Indices of items at bidi embedding `levels` in left-to-right display order (rule L2)."""
    order = list(range(len(levels)))
    for floor in range(max(levels, default=0), 0, -1):
        flipped: list[int] = []
        for high, group in groupby(order, key=lambda i: levels[i] >= floor):
            group = list(group)
            flipped.extend(group[::-1] if high else group)
        order = flipped
    return order


def runs(text: str, bold: bool = False, raqm: bool | None = None) -> list[Run]:
    """NFC `text` cut into runs of one font and one direction, in display order (pen x not set);
    without libraqm, right-to-left runs come joined (arabic-reshaper) and reversed (python-bidi)."""
    raqm = raqm_available() if raqm is None else raqm
    text = unicodedata.normalize("NFC", text)
    if not raqm and is_rtl(text):
        import arabic_reshaper

        text = arabic_reshaper.reshape(text)  # joined forms, still in logical order
    pieces: list[list] = []  # [text, font, direction or None while only neutral characters]
    for ch, font in zip(text, fonts_for(text, bold)):
        direction, last = STRONG.get(unicodedata.bidirectional(ch)), pieces[-1] if pieces else None
        if last and last[1] == font and (direction is None or last[2] in (None, direction)):
            last[0] += ch
            last[2] = last[2] or direction
        else:
            pieces.append([ch, font, direction])
    strong = [piece[2] for piece in pieces]
    base = next((d for d in strong if d), "ltr")
    for i, piece in enumerate(pieces):  # neutral runs: their neighbours' direction if they agree
        before = next((d for d in reversed(strong[:i]) if d), base)
        after = next((d for d in strong[i + 1:] if d), base)
        piece[2] = piece[2] or (before if before == after else base)
    levels = [1 if d == "rtl" else 2 * (base == "rtl") for _, _, d in pieces]  # rules I1, I2
    shown = [pieces[i] for i in visual_order(levels)]
    if raqm:  # each run laid out in the label's direction: neutrals at its ends go where bidi puts them
        return [Run(t, f, base) for t, f, _ in shown]
    from bidi import get_display

    return [Run(get_display(t, base_dir="R" if base == "rtl" else "L"), f, base) for t, f, _ in shown]


@lru_cache(maxsize=64)
def load_font(pixels: int, bold: bool, raqm: bool, font: FontKey | None = None):
    """A Pillow FreeType font (DejaVu Sans by default) of `pixels` em size, laid out by libraqm
    or the basic engine."""
    from PIL import ImageFont

    path, index = font or face_font(None, bold)
    engine = ImageFont.Layout.RAQM if raqm else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, pixels, index=index, layout_engine=engine)


def pixels_for(scale: float) -> int:
    """The font size matching an OpenCV Hershey `scale`."""
    return max(6, round(PIXELS_PER_SCALE * scale))


@dataclass(frozen=True)
class TextPatch:
    """One rendered string, uint8 (4 bytes a pixel, so the cache stays small): `premultiplied`
    colour x coverage (h, w, 3) and `keep` = 255 x (1 - coverage) (h, w, 1); the baseline is
    `baseline` rows from the top, the pen starts `left` columns from the patch's left edge."""

    premultiplied: np.ndarray
    keep: np.ndarray
    baseline: int
    left: int

    @property
    def width(self) -> int:
        return int(self.keep.shape[1])


@lru_cache(maxsize=1024)
def layout(text: str, pixels: int, bold: bool, outline: int, raqm: bool) -> tuple[tuple[Run, ...], tuple[int, int, int, int]]:
    """The runs with their pen x, and (left, top, right, bottom) of the whole rendered text with
    the pen at (0, 0) on the baseline."""
    placed, boxes, x = [], [], 0.0
    for run in runs(text, bold, raqm):
        font, direction = load_font(pixels, bold, raqm, run.font), run.direction if raqm else None
        left, top, right, bottom = font.getbbox(run.text, direction=direction, stroke_width=outline, anchor="ls")
        placed.append(run._replace(x=round(x)))
        boxes.append((round(x) + left, top, round(x) + right, bottom))
        x += font.getlength(run.text, direction=direction)
    if not boxes:
        return (), (0, 0, 0, 0)
    left, top, right, bottom = zip(*boxes)
    return tuple(placed), (min(left), min(top), max(right), max(bottom))


@lru_cache(maxsize=256)
def render(text: str, pixels: int, colour: Colour, bold: bool = False, outline: int = 1,
           raqm: bool | None = None) -> TextPatch:
    """`text` in `colour` (BGR) with a black outline `outline` pixels wide (cached)."""
    from PIL import Image, ImageDraw

    raqm = raqm_available() if raqm is None else raqm
    placed, (left, top, right, bottom) = layout(text, pixels, bold, outline, raqm)
    size = (max(1, right - left), max(1, bottom - top))
    masks = []
    for stroke in (outline, 0):
        mask = Image.new("L", size, 0)
        pen = ImageDraw.Draw(mask)
        for run in placed:
            pen.text((run.x - left, -top), run.text, font=load_font(pixels, bold, raqm, run.font), fill=255,
                     anchor="ls", stroke_width=stroke, direction=run.direction if raqm else None)
        masks.append(np.asarray(mask, dtype=np.float32)[..., None] / 255.0)
    cover, fill = masks  # outline and letters; the letters alone
    premultiplied = np.rint(fill * np.asarray(colour, dtype=np.float32)).astype(np.uint8)
    keep = np.rint(255.0 * (1.0 - np.maximum(cover, fill))).astype(np.uint8)
    return TextPatch(premultiplied, keep, -top, left)


def text_width(text: str, pixels: int, bold: bool = False, outline: int = 1) -> int:
    """Pixels from the pen position to the right edge of the rendered text."""
    return int(layout(text, pixels, bold, outline, raqm_available())[1][2])


def cap_height(pixels: int) -> int:
    """Height of capitals above the baseline (what cv2.getTextSize reports as height)."""
    return round(CAP_HEIGHT * pixels)


def fit(text: str, max_width: int, pixels: int, bold: bool = False) -> str:
    """`text`, or its longest start that fits in `max_width` pixels with an ellipsis."""
    if text_width(text, pixels, bold) <= max_width:
        return text
    low, high = 0, len(text)  # the longest prefix (low) whose shortened form fits
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + ELLIPSIS, pixels, bold) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def draw(frame: np.ndarray, text: str, origin: tuple[int, int], pixels: int, colour: Colour,
         bold: bool = False, outline: int = 1) -> None:
    """Blend `text` onto a BGR uint8 frame in place, pen at `origin` = (x, baseline y)."""
    if not text:
        return
    patch = render(text, pixels, tuple(int(c) for c in colour), bold, outline)
    x0, y0 = origin[0] + patch.left, origin[1] - patch.baseline
    h, w = patch.keep.shape[:2]
    fx0, fy0 = max(0, x0), max(0, y0)
    fx1, fy1 = min(frame.shape[1], x0 + w), min(frame.shape[0], y0 + h)
    if fx1 <= fx0 or fy1 <= fy0:
        return
    rows, cols = slice(fy0 - y0, fy1 - y0), slice(fx0 - x0, fx1 - x0)
    region = frame[fy0:fy1, fx0:fx1]
    kept = region * patch.keep[rows, cols].astype(np.uint16) + 128  # region x keep / 255, rounded:
    kept = (kept + (kept >> 8)) >> 8  # exact for 8-bit values, no division
    region[:] = np.minimum(kept + patch.premultiplied[rows, cols], 255).astype(np.uint8)
