"""Text on video frames in any script: `xin chào`, `¿cómo estás?`, `mühendis`, `شكرا`.

Drawn with Pillow and DejaVu Sans, the copy matplotlib ships (so nothing is downloaded and the
figures and the overlay use one font). Right-to-left text is shaped and ordered by Pillow's
libraqm layout when Pillow finds it (it needs the system's libfribidi); otherwise by
arabic-reshaper (joined letter forms) and python-bidi (visual order) before Pillow's basic
layout. A rendered string is cached as a premultiplied colour patch and a coverage mask, so
drawing it again on the next frame is one blend of a few thousand pixels.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from signlang.errors import SignlangError

FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
# DejaVu Sans pixels per unit of OpenCV Hershey scale: the same cap height as cv2.putText.
PIXELS_PER_SCALE = 30.0
CAP_HEIGHT = 0.73  # DejaVu Sans capitals, in em
ELLIPSIS = "…"
Colour = tuple[int, int, int]  # BGR, as OpenCV frames


def font_path(bold: bool = False) -> Path:
    """DejaVu Sans (bold) from matplotlib's mpl-data, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise SignlangError("the overlay font comes with matplotlib, which is not installed")
    path = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / FONT_FILES[bold]
    if not path.is_file():
        raise SignlangError(f"{path}: the overlay font is missing from matplotlib's install")
    return path


@lru_cache(maxsize=1)
def raqm_available() -> bool:
    """Does Pillow have libraqm (complex-script shaping and bidi) here?"""
    from PIL import features

    return bool(features.check("raqm"))


def is_rtl(text: str) -> bool:
    """Does `text` hold a right-to-left letter (Arabic, Hebrew, ...)?"""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def visual(text: str, raqm: bool) -> str:
    """What to hand Pillow: NFC text; without libraqm, RTL text in joined forms and visual order."""
    text = unicodedata.normalize("NFC", text)
    if raqm or not is_rtl(text):
        return text
    import arabic_reshaper
    from bidi.algorithm import get_display

    return get_display(arabic_reshaper.reshape(text))


@lru_cache(maxsize=32)
def load_font(pixels: int, bold: bool, raqm: bool):
    """A Pillow FreeType font of `pixels` em size, laid out by libraqm or the basic engine."""
    from PIL import ImageFont

    engine = ImageFont.Layout.RAQM if raqm else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(font_path(bold)), pixels, layout_engine=engine)


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
def _box(text: str, pixels: int, bold: bool, outline: int, raqm: bool) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the rendered text, pen at (0, 0) on the baseline."""
    return load_font(pixels, bold, raqm).getbbox(visual(text, raqm), stroke_width=outline, anchor="ls")


@lru_cache(maxsize=256)
def render(text: str, pixels: int, colour: Colour, bold: bool = False, outline: int = 1,
           raqm: bool | None = None) -> TextPatch:
    """`text` in `colour` (BGR) with a black outline `outline` pixels wide (cached)."""
    from PIL import Image, ImageDraw

    raqm = raqm_available() if raqm is None else raqm
    font, shown = load_font(pixels, bold, raqm), visual(text, raqm)
    left, top, right, bottom = _box(text, pixels, bold, outline, raqm)
    size = (max(1, right - left), max(1, bottom - top))
    masks = []
    for stroke in (outline, 0):
        mask = Image.new("L", size, 0)
        ImageDraw.Draw(mask).text((-left, -top), shown, font=font, fill=255, anchor="ls", stroke_width=stroke)
        masks.append(np.asarray(mask, dtype=np.float32)[..., None] / 255.0)
    cover, fill = masks  # outline and letters; the letters alone
    premultiplied = np.rint(fill * np.asarray(colour, dtype=np.float32)).astype(np.uint8)
    keep = np.rint(255.0 * (1.0 - np.maximum(cover, fill))).astype(np.uint8)
    return TextPatch(premultiplied, keep, -top, left)


def text_width(text: str, pixels: int, bold: bool = False, outline: int = 1) -> int:
    """Pixels from the pen position to the right edge of the rendered text."""
    return int(_box(text, pixels, bold, outline, raqm_available())[2])


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
