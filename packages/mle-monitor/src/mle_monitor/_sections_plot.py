"""Small matplotlib helpers of the report sections: object API only (no pyplot, no global
backend change), every figure rendered by Agg to PNG bytes."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["fmt_value", "is_number", "new_figure", "param_names", "png_bytes", "short_name"]

DPI = 100


def new_figure(width: float, height: float) -> Figure:
    """A figure drawn by Agg (never a GUI backend), whatever pyplot's backend is."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            f'the report\'s figures need matplotlib ({exc}); pip install "mle-monitor[report]"'
        ) from exc

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def fmt_value(value: Any, digits: int = 4) -> str:
    """A parameter value or score, short."""
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def short_name(name: str) -> str:
    """``train_config.lr`` -> ``lr`` (the last dotted part)."""
    return name.rsplit(".", 1)[-1]


def param_names(params: Sequence[dict[str, Any]]) -> list[str]:
    """Every parameter name, in order of first appearance."""
    return list(dict.fromkeys(k for p in params for k in p))
