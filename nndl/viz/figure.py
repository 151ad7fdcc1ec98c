"""The one way nndl writes a figure: matplotlib's Agg backend (no display needed) and an
atomic PNG write through :mod:`nndl.atomic` (a reader never sees half a file)."""
from __future__ import annotations

from pathlib import Path

from ..atomic import atomic_write


def pyplot():
    """matplotlib.pyplot on the Agg backend."""
    import matplotlib

    if matplotlib.get_backend().lower() != "agg":
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path, dpi: int = 100) -> Path:
    """Write ``fig`` as a PNG atomically (temporary file + rename) and close it."""
    try:
        with atomic_write(path, "wb") as f:
            fig.savefig(f, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        pyplot().close(fig)
    return Path(path)
