"""A CJK font for Chinese reports: figures (matplotlib) and PDF (Typst) must never show tofu boxes.

The font comes from the PyPI package ``pylopdf-fonts-zh-cn`` (Noto Sans SC, SIL Open Font License
1.1), so it works offline; a system CJK font is used when that package is missing. When no CJK font
can be found, rendering a Chinese report stops with a message saying where it looked.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..core.errors import RenderError

PACKAGED = ("pylopdf_fonts_zh_cn", "NotoSansSC-Regular.otf")
SYSTEM_HINTS = ("notosanscjk", "notosanssc", "sourcehansans", "wqy", "droidsansfallback", "simhei", "pingfang")


@lru_cache(maxsize=1)
def find_cjk_font() -> Path:
    """Path of a font with Simplified Chinese glyphs."""
    searched = []
    package, name = PACKAGED
    try:
        candidate = Path(str(resources.files(package) / name))
        if candidate.exists():
            return candidate
        searched.append(str(candidate))
    except ModuleNotFoundError:
        searched.append(f"the Python package {package.replace('_', '-')} (not installed)")
    from matplotlib import font_manager

    for path in sorted(font_manager.findSystemFonts()):
        if any(hint in Path(path).name.lower().replace("-", "").replace("_", "") for hint in SYSTEM_HINTS):
            return Path(path)
    searched.append("system font folders (no Noto/Source Han/WenQuanYi CJK font)")
    raise RenderError(
        "no CJK font found for the Chinese report; searched " + "; ".join(searched)
        + ". Install one with: pip install pylopdf-fonts-zh-cn"
    )


def cjk_font_name() -> str:
    from matplotlib import font_manager

    return font_manager.FontProperties(fname=str(find_cjk_font())).get_name()


def use_cjk_in_matplotlib() -> str:
    """Register the CJK font and put it first in matplotlib's sans-serif list; return its name."""
    import matplotlib as mpl
    from matplotlib import font_manager

    path = find_cjk_font()
    font_manager.fontManager.addfont(str(path))
    name = cjk_font_name()
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [name, *[f for f in mpl.rcParams["font.sans-serif"] if f != name]]
    mpl.rcParams["axes.unicode_minus"] = False  # the CJK font has no Unicode minus glyph
    return name


def typst_font_paths() -> list[str]:
    """Folders for the Typst compiler's ``font_paths``."""
    return [str(find_cjk_font().parent)]
