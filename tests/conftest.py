"""Shared fixtures. Real MNIST comes from $NNDL_DATA_DIR (CI points it at ../shared/data/mnist);
if unset, the shared folder beside the checkout is used. Tests never download."""
import os
from pathlib import Path

import pytest

_SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"
if not os.environ.get("NNDL_DATA_DIR") and _SHARED.is_dir():
    os.environ["NNDL_DATA_DIR"] = str(_SHARED)


@pytest.fixture(scope="session")
def mnist():
    """The book's split of real MNIST, pixels in [0, 1]."""
    from nndl.data import load_mnist

    if not os.environ.get("NNDL_DATA_DIR"):
        pytest.skip("real MNIST not available (set NNDL_DATA_DIR)")
    return load_mnist(download=False)
