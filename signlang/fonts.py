"""The system's fonts for the scripts DejaVu Sans lacks (Arabic, Hebrew, Devanagari, Thai: Debian's
fonts-noto-core; Hangul, kana, Han: fonts-noto-cjk; setup.sh installs both), found once, for the
live overlay (realtime/text.py) and the figures (matplotlib's per-glyph font fallback), and the
matplotlib settings every saved figure is drawn with."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
NOTO_CORE, NOTO_CJK = "fonts-noto-core", "fonts-noto-cjk"  # the Debian packages, and their scripts:
PACKAGE_SCRIPTS = {NOTO_CORE: "Arabic, Hebrew, Devanagari and Thai", NOTO_CJK: "Hangul, kana and Han"}
NOTO_CORE_SCRIPTS = ("Arabic", "Hebrew", "Devanagari", "Thai")
CJK_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
CJK_JP, CJK_KR, CJK_SC = 0, 1, 2  # faces in the Noto Sans CJK collections: Japanese, Korean, Chinese
# The base font of every figure and of the overlay (matplotlib ships it).
BASE_FAMILY = "DejaVu Sans"
# Fixed SVG ids, text as paths, uncompressed PDF: a saved figure's bytes depend on its data alone.
STABLE_OUTPUT_RC = {"svg.hashsalt": "signlang", "svg.fonttype": "path", "pdf.compression": 0}


def noto_files(script: str) -> tuple[str, str]:
    """The (regular, bold) fonts-noto-core file names of one of NOTO_CORE_SCRIPTS."""
    return f"NotoSans{script}-Regular.ttf", f"NotoSans{script}-Bold.ttf"


@lru_cache(maxsize=1)
def system_fonts() -> dict[str, Path]:
    """File name -> path of each font file under FONT_DIRS (the first found)."""
    found: dict[str, Path] = {}
    for folder in FONT_DIRS:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.suffix.lower() in FONT_SUFFIXES:
                    found.setdefault(path.name, path)
    return found


def has_kana(text: str) -> bool:
    """Does `text` hold hiragana or katakana (so its Han characters are Japanese)?"""
    return any(unicodedata.name(ch, "").startswith(("HIRAGANA", "KATAKANA")) for ch in text)


@lru_cache(maxsize=1)
def _figure_fallback_fonts() -> tuple[Path, ...]:
    """The installed Noto fonts for figures (regular weight), registered with matplotlib once."""
    from matplotlib.font_manager import fontManager

    names = [noto_files(script)[0] for script in NOTO_CORE_SCRIPTS] + [CJK_FILES[0]]
    paths = tuple(system_fonts()[name] for name in names if name in system_fonts())
    for path in paths:
        fontManager.addfont(str(path))  # every face of a collection
    return paths


@lru_cache(maxsize=4)
def figure_font_families(cjk_face: int = CJK_SC) -> tuple[str, ...]:
    """DejaVu Sans, then each installed Noto font, as a `font.family` list: matplotlib takes a
    character from the first family that has it. `cjk_face`: the Noto Sans CJK face whose Han
    forms are used (Chinese by default, Japanese for labels with kana)."""
    from matplotlib.ft2font import FT2Font

    return (BASE_FAMILY, *(FT2Font(str(path), face_index=cjk_face if path.name in CJK_FILES else 0).family_name
                           for path in _figure_fallback_fonts()))


def figure_rc(labels: Iterable[str] = ()) -> dict:
    """matplotlib settings for every figure the project saves: stable bytes, and the `labels` it
    shows drawn in any installed script."""
    cjk_face = CJK_JP if any(has_kana(str(label)) for label in labels) else CJK_SC
    return {**STABLE_OUTPUT_RC, "font.family": list(figure_font_families(cjk_face))}
