"""Shared fixtures and the suite's one data policy.

Real MNIST comes from $NNDL_DATA_DIR (CI points it at ../shared/data/mnist); if unset, the
shared folder beside the checkout is used, else nndl's cache (~/.cache/nndl/mnist) when a first
``nndl train`` has downloaded MNIST there. Tests never download.

* ``NNDL_DATA_DIR`` set but not a folder holding the four MNIST files: the session stops at
  once with one line saying so (a typo must not turn into a quietly smaller suite).
* Nothing set and no shared folder: the tests that ask for ``mnist_dir``/``mnist`` skip.
* Under CI (``CI`` set in the environment) every skip is a failure, unless the test is marked
  ``@pytest.mark.allowed_skip("why")``. ``-rs`` (pyproject's addopts) lists skips and reasons.
"""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_SHARED = REPO.parent / "shared" / "data" / "mnist"
if os.environ.get("NNDL_DATA_DIR"):
    # absolute, so tests that change the working folder still find it
    os.environ["NNDL_DATA_DIR"] = os.path.abspath(os.path.expanduser(os.environ["NNDL_DATA_DIR"]))
else:
    from nndl.data.location import cache_dir, missing_mnist_files

    if _SHARED.is_dir():
        os.environ["NNDL_DATA_DIR"] = str(_SHARED)
    elif not missing_mnist_files(cache_dir()):
        os.environ["NNDL_DATA_DIR"] = str(cache_dir())


def _data_dir_problem() -> str | None:
    """Why $NNDL_DATA_DIR, when set, is not usable (None when it is, or when it is unset)."""
    from nndl.data.location import missing_mnist_files

    env = os.environ.get("NNDL_DATA_DIR")
    if not env:
        return None
    d = Path(env)
    if not d.is_dir():
        return f"NNDL_DATA_DIR={env} is not a folder"
    missing = missing_mnist_files(d)
    return f"NNDL_DATA_DIR={env} lacks {', '.join(missing)}" if missing else None


def pytest_configure(config):
    config.addinivalue_line("markers", "allowed_skip(reason): a skip that is acceptable even under CI")
    problem = _data_dir_problem()
    if problem:
        raise pytest.UsageError(f"{problem}: fix it or unset it (tests never download MNIST)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skip is a failure unless the test carries @pytest.mark.allowed_skip."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") and not item.get_closest_marker("allowed_skip") \
            and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI (CI is set), which is not allowed: {reason}"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the four MNIST files; skips (a failure under CI) when there is none."""
    env = os.environ.get("NNDL_DATA_DIR")
    if not env:
        pytest.skip("real MNIST not available (set NNDL_DATA_DIR)")
    return Path(env).resolve()


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """The book's split of real MNIST, pixels in [0, 1]."""
    from nndl.data import load_mnist

    return load_mnist(download=False)  # from $NNDL_DATA_DIR, which mnist_dir has vetted


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
