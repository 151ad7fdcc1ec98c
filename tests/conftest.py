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


# ------------------------------------------------------------------ nndl serve (web tests)

@pytest.fixture(scope="session")
def serve_root(tmp_path_factory, mnist):
    """A runs folder with one trained run, 'fc' ([784,100,10], 3 epochs on the 50,000 training images),
    and an untrained chapter-6 conv net (conv2-relu) saved as conv6.npz beside it."""
    import nndl
    from nndl.app.convnets import chapter6_model
    from nndl.app.runs import train_run
    from nndl.app.settings import RunConfig

    root = tmp_path_factory.mktemp("serve")
    train_run(RunConfig(sizes=[784, 100, 10], epochs=3, seed=0), run_dir=root / "runs" / "fc",
              plots=False)
    nndl.save_model(chapter6_model("conv2-relu", seed=0), root / "conv6.npz")
    return root


@pytest.fixture(scope="session")
def server(serve_root):
    """A real nndl serve (uvicorn) on a free loopback port: its base URL and app."""
    from serve_support import running_server

    from nndl.serve import create_app

    app = create_app(serve_root / "runs", [serve_root / "conv6.npz"], max_body=256 * 1024)
    with running_server(app) as url:
        yield url, app
