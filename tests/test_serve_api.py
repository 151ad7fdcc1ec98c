"""The JSON API of ``nndl serve`` against a real server on loopback: answers agree with the
library (``nndl predict``'s code, the model itself, ``nndl evaluate``), and every kind of bad
request gets a 4xx with a JSON message while the server keeps serving."""
from __future__ import annotations

import base64
import io
import json
import pickle
import urllib.request
import zlib

import numpy as np
import pytest
from PIL import Image
from serve_support import request

from nndl.app.evaluation import evaluate_model, predict_images
from nndl.io import load_model


def _png(array_u8) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array_u8).save(buf, format="PNG")
    return buf.getvalue()


def _drawn(x784, scale=10) -> np.ndarray:
    """An MNIST digit as a person's drawing: dark ink on white, at canvas scale."""
    img = Image.fromarray((255 - x784.reshape(28, 28) * 255).astype(np.uint8))
    return np.asarray(img.resize((28 * scale, 28 * scale), Image.Resampling.BILINEAR))


def _alive(url):
    status, body = request(f"{url}/api/models")
    assert status == 200 and body["models"], body


def test_models_and_predict_from_pixels_match_the_model(server, serve_root, mnist):
    url, _ = server
    status, body = request(f"{url}/api/models")
    assert status == 200
    assert {"fc", "conv6"} <= {m["name"] for m in body["models"]}
    model = load_model(serve_root / "runs" / "fc" / "model.npz")
    for i in range(5):
        x = mnist.test.X[i]
        status, r = request(f"{url}/api/predict?model=fc", {"pixels": [float(v) for v in x]})
        assert status == 200, r
        out = np.asarray(model.predict_proba(x[None]))[0].astype(np.float64)
        assert r["digit"] == int(out.argmax())
        assert np.allclose(r["probabilities"], out / out.sum(), atol=2e-6)
        assert np.allclose(r["input"], x, atol=1e-4)  # 784 values are used as they are


def test_predict_from_an_image_is_nndl_predict(server, serve_root, mnist, tmp_path):
    url, _ = server
    for i in range(3):
        png = _png(_drawn(mnist.test.X[i]))
        (tmp_path / f"{i}.png").write_bytes(png)
        expected = predict_images(serve_root / "runs" / "fc", [tmp_path / f"{i}.png"])[0]
        for data, headers in ((png, {"Content-Type": "image/png"}),
                              ({"image": "data:image/png;base64," + base64.b64encode(png).decode()}, None)):
            status, r = request(f"{url}/api/predict?model=fc", data, headers)
            assert status == 200, r
            assert r["digit"] == expected["digit"]
            assert np.allclose(r["probabilities"], expected["probabilities"], atol=2e-6)


def test_activations_fc_and_conv(server, serve_root, mnist):
    url, _ = server
    x = [float(v) for v in mnist.test.X[0]]
    status, r = request(f"{url}/api/activations?model=fc", {"pixels": x})
    assert status == 200, r
    assert [layer["shape"] for layer in r["layers"]] == [[100], [10]]
    model = load_model(serve_root / "runs" / "fc" / "model.npz")
    hidden = 1 / (1 + np.exp(-(mnist.test.X[0] @ model.layers[0].W.value + model.layers[0].b.value)))
    assert np.allclose(r["layers"][0]["values"], hidden, atol=1e-4)
    weights = r["first_layer_weights"]
    assert len(weights) == 8
    assert [w["unit"] for w in weights] == list(np.argsort(-hidden, kind="stable")[:8])
    assert np.allclose(weights[0]["weights"], model.layers[0].W.value[:, weights[0]["unit"]], atol=1e-3)
    status, r = request(f"{url}/api/activations?model=conv6", {"pixels": x})
    assert status == 200, r
    assert [layer["shape"] for layer in r["layers"]] == [[20, 24, 24], [20, 12, 12], [20, 12, 12], [40, 8, 8],
                                                         [40, 4, 4], [40, 4, 4], [640], [100], [10]]
    assert "first_layer_weights" not in r
    assert abs(sum(r["probabilities"]) - 1) < 1e-4


def test_runs_history_and_evaluation(server, serve_root):
    url, _ = server
    status, body = request(f"{url}/api/runs")
    assert status == 200
    row = next(r for r in body["runs"] if r["name"] == "fc")
    assert row["status"] == "finished" and row["epochs_done"] == 3
    assert row["settings"]["sizes"] == [784, 100, 10]
    summary = json.loads((serve_root / "runs" / "fc" / "summary.json").read_text())
    assert row["test_accuracy"] == summary["final"]["test_accuracy"]
    status, h = request(f"{url}/api/runs/fc")
    assert status == 200
    assert h["history"] == json.loads((serve_root / "runs" / "fc" / "history.json").read_text())
    status, ev = request(f"{url}/api/runs/fc/evaluation")
    assert status == 200, ev
    ref = evaluate_model(serve_root / "runs" / "fc", out_dir=None)
    assert ev["accuracy"] == ref["accuracy"] and ev["confusion_matrix"] == ref["confusion_matrix"]
    assert sum(map(sum, ev["confusion_matrix"])) == 10000
    assert ev["misclassified"] and all(m["label"] != m["predicted"] for m in ev["misclassified"])
    assert len(ev["misclassified"][0]["pixels"]) == 784


def _bomb_png(side=9000) -> bytes:
    """A valid PNG header claiming side×side pixels, with a tiny compressed body."""
    def chunk(kind, data):
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))
    header = side.to_bytes(4, "big") * 2 + bytes([1, 0, 0, 0, 0])
    rows = zlib.compress(b"\x00" * (side // 8 + 1) * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


class _Touch:
    """Unpickling this would create a file: proof that nothing from a request is unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


BAD = [  # (what, path, body, headers, expected status)
    ("malformed JSON", "/api/predict", b"{bad", {"Content-Type": "application/json"}, 400),
    ("JSON not an object", "/api/predict", b"[1, 2]", {"Content-Type": "application/json"}, 400),
    ("JSON nested too deeply", "/api/predict", b"[" * 100_000 + b"]" * 100_000, {"Content-Type": "application/json"},
     400),
    ("unknown key", "/api/predict", {"pixel": [0] * 784}, None, 400),
    ("two keys", "/api/predict", {"pixels": [0] * 784, "image": ""}, None, 400),
    ("too few pixels", "/api/predict", {"pixels": [0.5] * 783}, None, 400),
    ("pixels not a list", "/api/predict", {"pixels": "0" * 784}, None, 400),
    ("pixel strings", "/api/predict", {"pixels": ["0"] * 784}, None, 400),
    ("pixel booleans", "/api/predict", {"pixels": [True] * 784}, None, 400),
    ("pixels out of range", "/api/predict", {"pixels": [2.0] * 784}, None, 400),
    ("pixels NaN", "/api/predict", b'{"pixels": [NaN' + b", 0" * 783 + b"]}", {"Content-Type": "application/json"},
     400),
    ("image not base64", "/api/activations", {"image": "not base64!"}, None, 400),
    ("image not a string", "/api/predict", {"image": 7}, None, 400),
    ("garbage image bytes", "/api/predict", b"\x00\x01 no image here", {"Content-Type": "image/png"}, 400),
    ("blank image", "/api/predict", _png(np.full((50, 50), 255, np.uint8)), {"Content-Type": "image/png"}, 400),
    ("decompression bomb", "/api/predict", _bomb_png(), {"Content-Type": "image/png"}, 400),
    ("image too large", "/api/predict", _bomb_png(2100), {"Content-Type": "image/png"}, 400),
    ("unsupported content type", "/api/predict", b"x=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ("empty body", "/api/predict", b"", {"Content-Type": "application/json"}, 400),
    ("oversize body", "/api/predict", b"0" * (300 * 1024), {"Content-Type": "image/png"}, 413),
    ("unknown model", "/api/predict?model=nope", {"pixels": [0] * 784}, None, 404),
    ("model name traversal", "/api/predict?model=..%2F..%2Fetc%2Fpasswd", {"pixels": [0] * 784}, None, 400),
    ("model path", "/api/predict?model=%2Fetc%2Fpasswd", {"pixels": [0] * 784}, None, 400),
    ("run name dots", "/api/runs/..fc", None, None, 400),
    ("run name hidden", "/api/runs/.config", None, None, 400),
    ("run name traversal", "/api/runs/%2E%2E", None, None, 400),
    ("run name NUL", "/api/runs/fc%00", None, None, 400),
    ("unknown run", "/api/runs/nope", None, None, 404),
    ("unknown run evaluation", "/api/runs/nope/evaluation", None, None, 404),
    ("bad split", "/api/runs/fc/evaluation?split=training", None, None, 400),
    ("wrong method", "/api/predict", None, None, 405),
    ("unknown endpoint", "/api/nothing", None, None, 404),
]


@pytest.mark.parametrize("what,path,body,headers,code", BAD, ids=[b[0] for b in BAD])
def test_bad_requests_get_a_json_4xx_and_the_server_keeps_serving(server, what, path, body, headers, code):
    url, _ = server
    status, r = request(url + path, body, headers)
    assert status == code, (what, r)
    assert isinstance(r, dict) and isinstance(r.get("error"), str) and r["error"], r
    _alive(url)


def test_oversize_without_content_length_and_pickles_are_refused(server, tmp_path):
    url, _ = server

    def chunks():  # chunked transfer: no Content-Length to refuse it by
        for _ in range(40):
            yield b"0" * 10_000

    req = urllib.request.Request(f"{url}/api/predict", data=chunks(), method="POST",
                                 headers={"Content-Type": "image/png", "Transfer-Encoding": "chunked"})
    try:
        urllib.request.urlopen(req, timeout=30)
        raise AssertionError("an oversize chunked body was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 413 and "too large" in json.loads(e.read())["error"]
    marker = tmp_path / "unpickled"
    payload = pickle.dumps(_Touch(str(marker)))
    for data, headers in ((payload, {"Content-Type": "application/octet-stream"}),
                          ({"image": base64.b64encode(payload).decode()}, None),
                          ({"pixels": base64.b64encode(payload).decode()}, None)):
        status, r = request(f"{url}/api/predict", data, headers)
        assert status == 400 and "error" in r
    assert not marker.exists()
    _alive(url)


def test_runs_folder_symlink_outside_is_refused(server, serve_root, tmp_path):
    url, _ = server
    outside = tmp_path / "elsewhere"
    (outside).mkdir()
    (outside / "config.toml").write_text("epochs = 1\n")
    link = serve_root / "runs" / "escape"
    link.symlink_to(outside, target_is_directory=True)
    try:
        status, r = request(f"{url}/api/runs/escape")
        assert status == 404 and "error" in r
        assert "escape" not in [row["name"] for row in request(f"{url}/api/runs")[1]["runs"]]
    finally:
        link.unlink()


def test_host_header_and_openapi(server):
    url, _ = server
    for host in ("evil.example", "evil.example:80", "127.0.0.1.evil.example", "[::2]:8000", ""):
        status, r = request(f"{url}/api/models", headers={"Host": host})
        assert status == 400 and "not served here" in r["error"], host  # DNS rebinding is turned away
    assert request(f"{url}/api/models", headers={"Host": "localhost:1234"})[0] == 200
    status, spec = request(f"{url}/api/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.")
    assert {"/api/predict", "/api/activations", "/api/models", "/api/runs", "/api/runs/{name}",
            "/api/runs/{name}/evaluation"} <= set(spec["paths"])
    assert spec["paths"]["/api/predict"]["post"]["summary"]
