"""Chapter 3: network2.py — cross-entropy cost, L2 regularisation (weight decay 1 − ηλ/n),
the N(0, 1/n_in) weight initialisation; the overfitting experiment on 1,000 images."""
from __future__ import annotations

from .registry import Recipe, register
from .runner import estimate_training

_NETWORK2 = dict(cost="cross_entropy", init="large", eta=0.5, lmbda=0.0, epochs=30, batch_size=10,
                 activation="sigmoid", scale="book", seed=0)
_E = estimate_training

register(Recipe("ch3-ce-30", 3, "[784,30,10] cross-entropy, large init, 30 epochs, eta=0.5", 95.49,
                settings=dict(_NETWORK2, sizes=[784, 30, 10]), estimate_seconds=_E, book_note="peak epoch"))
register(Recipe("ch3-ce-100", 3, "[784,100,10] cross-entropy, large init, 30 epochs, eta=0.5", 96.82,
                settings=dict(_NETWORK2, sizes=[784, 100, 10]), estimate_seconds=_E, book_note="peak epoch"))
register(Recipe("ch3-overfit", 3, "[784,30,10] on the first 1,000 training images, 400 epochs, eta=0.5, no "
                "regularisation (overfits after ~epoch 280)", 82.27,
                settings=dict(_NETWORK2, sizes=[784, 30, 10], subset=1000, epochs=400), estimate_seconds=_E,
                book_note="peak epoch"))
register(Recipe("ch3-overfit-l2", 3, "same, regularised with lmbda=0.1", 87.1,
                settings=dict(_NETWORK2, sizes=[784, 30, 10], subset=1000, epochs=400, lmbda=0.1),
                metric="final", estimate_seconds=_E, book_note="≈, still improving at epoch 400"))
register(Recipe("ch3-l2-30", 3, "[784,30,10] full data, lmbda=5.0, large init, 30 epochs, eta=0.5", 96.49,
                settings=dict(_NETWORK2, sizes=[784, 30, 10], lmbda=5.0), estimate_seconds=_E,
                book_note="peak epoch"))
register(Recipe("ch3-l2-100", 3, "[784,100,10] cross-entropy, large init, lmbda=5.0, 30 epochs, eta=0.5", 97.92,
                book_split="validation", settings=dict(_NETWORK2, sizes=[784, 100, 10], lmbda=5.0),
                estimate_seconds=_E, book_note="peak epoch"))
register(Recipe("ch3-l2-100-tuned", 3, "same, tuned: 60 epochs, eta=0.1, lmbda=5.0", 98.04,
                book_split="validation", settings=dict(_NETWORK2, sizes=[784, 100, 10], lmbda=5.0, eta=0.1,
                                                       epochs=60), estimate_seconds=_E, book_note="peak epoch"))
register(Recipe("ch3-init-large", 3, "old init N(0,1): [784,30,10] lmbda=5.0, 30 epochs, eta=0.1", 96.0,
                settings=dict(_NETWORK2, sizes=[784, 30, 10], lmbda=5.0, eta=0.1), estimate_seconds=_E,
                book_note="≈ (read off the book's plot)"))
register(Recipe("ch3-init-new", 3, "new init N(0,1/n_in): same settings; gets there much faster", 96.0,
                settings=dict(_NETWORK2, sizes=[784, 30, 10], lmbda=5.0, eta=0.1, init="default"),
                estimate_seconds=_E, book_note="≈ (read off the book's plot)"))
