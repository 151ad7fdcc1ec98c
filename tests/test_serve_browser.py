"""The pages of ``nndl serve`` in real headless Chromium (Debian's, driven by Playwright):
drawing with real mouse events, 100 MNIST digits dropped onto the canvas as drawings, a run
that trains while the runs page watches, and no errors in the browser console."""
from __future__ import annotations

import base64
import io
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from serve_support import launch_chromium, request

from nndl.io import load_model
from nndl.train import Callback

SHOTS = Path(os.environ.get("NNDL_SCREENSHOT_DIR") or Path(__file__).resolve().parents[1] / "build" / "screenshots")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors and uncaught exceptions; none may occur."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # the pages' CSP stays on
    pg = context.new_page()
    errors = []
    pg.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    yield pg
    context.close()
    assert errors == []


def _wait_until(check, timeout=15.0):
    """Poll from Python (the pages' Content-Security-Policy forbids the eval of wait_for_function)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _wait_predictions(page, count):
    _wait_until(lambda: int(page.get_attribute("body", "data-predictions")) >= count
                and page.get_attribute("body", "data-state") == "ready")


def _page_answer(page):
    digit = page.get_attribute("#answer", "data-digit")
    probs = page.eval_on_selector_all(".bar", "bars => bars.map(b => Number(b.dataset.p))")
    return int(digit), probs


def _stroke(page, box, points):
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=2)
    page.mouse.up()


def test_drawing_with_the_mouse_matches_the_api(server, page):
    url, _ = server
    page.goto(f"{url}/?model=fc")
    page.wait_for_selector("body[data-models='loaded']")
    box = page.locator("#pad").bounding_box()
    seven = [[(70, 60), (210, 60), (150, 240)]]
    one = [[(145, 40), (140, 250)]]
    zero = [[(140 + 60 * np.sin(t), 140 - 90 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 16)]]
    answers = []
    for strokes in (seven, one, zero):
        page.click("#clear")
        for s in strokes:
            done = int(page.get_attribute("body", "data-predictions"))
            _stroke(page, box, s)
            _wait_predictions(page, done + 1)
        digit, probs = _page_answer(page)
        png = page.evaluate("document.getElementById('pad').toDataURL('image/png')")
        status, api = request(f"{url}/api/predict?model=fc", {"image": png})
        assert status == 200, api
        assert digit == api["digit"]
        assert np.allclose(probs, api["probabilities"], atol=1e-9)
        assert abs(sum(probs) - 1) < 1e-4
        answers.append(digit)
    assert answers[1] == 1  # a vertical stroke is a one for any model worth serving
    assert page.locator("#layers .layer").count() == 2          # hidden and output layer
    assert page.locator("#weights canvas").count() == 8         # first-layer weights of the top units
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "serve-draw.png"), full_page=True)
    done = int(page.get_attribute("body", "data-predictions"))
    page.select_option("#model", "conv6")                      # the picker: the same drawing, a conv net
    _wait_predictions(page, done + 1)
    png = page.evaluate("document.getElementById('pad').toDataURL('image/png')")
    assert _page_answer(page)[1] == pytest.approx(request(f"{url}/api/predict?model=conv6", {"image": png})[1]
                                                  ["probabilities"], abs=1e-9)
    assert page.locator("#layers .maps canvas").count() == 20 + 20 + 20 + 40 + 40 + 40   # every feature map
    assert page.locator("#weights-box").is_hidden()             # no first-layer pictures for a conv layer
    page.screenshot(path=str(SHOTS / "serve-draw-conv.png"), full_page=True)
    page.click("#undo")                                         # undo the only stroke: nothing left
    _wait_until(lambda: page.text_content("#answer") == "")


def _drop_png(page, png: bytes):
    page.evaluate("""b64 => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'digit.png', {type: 'image/png'}));
        document.body.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""", base64.b64encode(png).decode())


def test_100_mnist_digits_drawn_on_the_canvas_score_like_evaluate(server, serve_root, page, mnist):
    url, _ = server
    page.goto(f"{url}/?model=fc")
    page.wait_for_selector("body[data-models='loaded']")
    X, y = mnist.test.X[:100], mnist.test.y[:100]
    model = load_model(serve_root / "runs" / "fc" / "model.npz")
    expected = model.evaluate(X, y)["correct"]                     # what nndl evaluate counts
    right = 0
    for x, label in zip(X, y):
        ink = Image.fromarray((255 - x.reshape(28, 28) * 255).astype(np.uint8))   # dark ink on white
        buf = io.BytesIO()
        ink.resize((280, 280), Image.Resampling.BILINEAR).save(buf, format="PNG")   # canvas scale
        done = int(page.get_attribute("body", "data-predictions"))
        _drop_png(page, buf.getvalue())
        _wait_predictions(page, done + 1)
        right += _page_answer(page)[0] == label
    assert abs(right - expected) <= 1, (right, expected)            # within 1 point of 100


class Gate(Callback):
    """A callback that holds the training loop before each epoch until the test lets it go."""

    def __init__(self):
        self.go = threading.Semaphore(0)

    def on_epoch_begin(self, epoch):
        assert self.go.acquire(timeout=60), "the test never released the epoch"


def test_runs_page_follows_a_training_run(server, serve_root, page):
    from nndl.app.settings import RunConfig
    from nndl.app.runs import train_run

    url, _ = server
    gate = Gate()
    run = threading.Thread(target=train_run, kwargs=dict(
        cfg=RunConfig(sizes=[784, 30, 10], epochs=3, subset=2000, seed=1), run_dir=serve_root / "runs" / "live",
        callbacks=[gate], plots=False), daemon=True)
    run.start()
    try:
        page.goto(f"{url}/runs?poll=200")
        page.wait_for_selector("tr[data-run='live'][data-status='training']", timeout=15000)
        page.check("tr[data-run='live'] input[type=checkbox]")
        for epoch in (1, 2):
            gate.go.release()
            page.wait_for_selector(f"#legend [data-run='live'][data-points='{epoch}']", timeout=20000)
            assert page.get_attribute("tr[data-run='live']", "data-status") == "training"
        page.click("tr[data-run='fc'] a.run-name")
        page.wait_for_selector("#detail[data-loaded='fc'] table.confusion", timeout=30000)
        assert page.locator("#detail .gallery canvas").count() > 0
        assert page.locator("#legend [data-run='fc']").count() == 1   # finished run overlaid
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "serve-runs.png"), full_page=True)
        gate.go.release()
        run.join(60)
        page.wait_for_selector("tr[data-run='live'][data-status='finished']", timeout=15000)
        page.wait_for_selector("#legend [data-run='live'][data-points='3']", timeout=15000)
    finally:
        for _ in range(3):
            gate.go.release()
        run.join(60)
