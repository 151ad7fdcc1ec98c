"""Insight: the book's explanatory chapters measured (chapter 5: unstable gradients)."""
