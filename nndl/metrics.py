"""Classification metrics: accuracy, the confusion matrix, per-class accuracy."""
from __future__ import annotations

import numpy as np


def confusion_matrix(y_true, y_pred, k: int = 10) -> np.ndarray:
    """(k, k) counts: row = true class, column = predicted class."""
    t = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(y_pred, dtype=np.int64)
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (t, p), 1)
    return m


def per_class_accuracy(matrix) -> np.ndarray:
    """Fraction of each true class predicted correctly (NaN for a class with no examples)."""
    m = np.asarray(matrix, dtype=np.float64)
    totals = m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.diag(m) / totals


def format_confusion(matrix) -> str:
    """The confusion matrix as a text table (rows true, columns predicted)."""
    m = np.asarray(matrix)
    k = m.shape[0]
    w = max(5, len(str(int(m.max()))) + 1 if m.size else 5)
    lines = ["true\\pred" + "".join(f"{j:>{w}}" for j in range(k))]
    for i in range(k):
        lines.append(f"{i:>9}" + "".join(f"{int(m[i, j]):>{w}}" for j in range(k)))
    return "\n".join(lines)


__all__ = ["confusion_matrix", "per_class_accuracy", "format_confusion"]
