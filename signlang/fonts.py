"""The system's fonts for the scripts DejaVu Sans lacks (Arabic, Hebrew, Devanagari, Thai: Debian's
fonts-noto-core; Hangul, kana, Han: fonts-noto-cjk; setup.sh installs both), found once, for the
live overlay (realtime/text.py) and the figures (matplotlib's per-glyph font fallback), and the
matplotlib settings every saved figure is drawn with."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
NOTO_CORE, NOTO_CJK = "fonts-noto-core", "fonts-noto-cjk"  # the Debian packages, and their scripts:
PACKAGE_SCRIPTS = {NOTO_CORE: "Arabic, Hebrew, Devanagari and Thai", NOTO_CJK: "Hangul, kana and Han"}
NOTO_CORE_SCRIPTS = ("Arabic", "Hebrew", "Devanagari", "Thai")
CJK_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
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


@lru_cache(maxsize=1)
def figure_font_families() -> tuple[str, ...]:
    """DejaVu Sans, then each installed Noto font registered with matplotlib, as a `font.family`
    list: matplotlib takes a character from the first family that has it. Noto Sans CJK's first
    face is the Japanese one, so Han in figures takes Japanese forms (the overlay picks per label)."""
    from matplotlib.font_manager import FontProperties, fontManager

    families = [BASE_FAMILY]
    for name in [noto_files(script)[0] for script in NOTO_CORE_SCRIPTS] + [CJK_FILES[0]]:
        path = system_fonts().get(name)
        if path is not None:
            fontManager.addfont(str(path))
            families.append(FontProperties(fname=str(path)).get_name())
    return tuple(families)


def figure_rc() -> dict:
    """matplotlib settings for every figure the project saves: stable bytes, labels in any
    installed script."""
    return {**STABLE_OUTPUT_RC, "font.family": list(figure_font_families())}
