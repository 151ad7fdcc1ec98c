"""The JSON API under the pages (Starlette endpoints). Every answer is JSON; every bad request
gets a 4xx and ``{"error": "<one line>"}``; nothing from a request is executed or unpickled —
images are decoded by Pillow, JSON by ``json``, names looked up in the catalogue.

Inputs of ``/api/predict`` and ``/api/activations`` (at most ``max_body`` bytes):

* an encoded image as the body (``Content-Type: image/png``, ``image/jpeg``, ...), prepared
  like MNIST by the code of ``nndl predict``;
* JSON ``{"image": "<base64 or data: URL>"}``, the same;
* JSON ``{"pixels": [784 numbers in [0, 1]]}``, an MNIST-style image used as it is.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import time

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from ..errors import ConfigError, DataError, ModelFileError, NNDLError
from . import inference, runinfo
from .catalog import BadName, NotFound

MAX_BODY = 2 * 1024 * 1024


class BadRequest(NNDLError):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


STATUS = [(NotFound, 404), (BadName, 400), (DataError, 400), (ConfigError, 422), (ModelFileError, 422)]


def error_response(request, exc) -> JSONResponse:
    """Every failure as one JSON line; unexpected ones as a 500 that names only the exception type."""
    if isinstance(exc, BadRequest):
        return JSONResponse({"error": str(exc)}, status_code=exc.status)
    if isinstance(exc, HTTPException):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    for cls, code in STATUS:
        if isinstance(exc, cls):
            return JSONResponse({"error": " ".join(str(exc).split())}, status_code=code)
    logging.getLogger("nndl.serve").error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": f"internal error ({type(exc).__name__})"}, status_code=500)


class AllowedHosts:
    """ASGI middleware: refuse (400, JSON) requests whose Host header is not one of ``hosts``
    ("*" allows any) — on loopback, a page of another site reaching the server by DNS rebinding."""

    def __init__(self, app, hosts):
        self.app, self.hosts = app, {h.lower() for h in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and "*" not in self.hosts:
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
            name = host[:host.find("]") + 1] if host.startswith("[") else host.split(":")[0]
            if name not in self.hosts:
                response = JSONResponse({"error": f"Host {name!r} is not served here (allowed: "
                                                  f"{', '.join(sorted(self.hosts))})"}, status_code=400)
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


DRAIN_FACTOR = 8  # an oversize body is read and dropped up to this many times the limit


async def read_body(request, limit: int) -> bytes:
    """The request body, refusing (413) more than ``limit`` bytes whether or not it is declared."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BadRequest("invalid Content-Length header")
        if int(declared) > limit:
            raise BadRequest(f"request body too large ({int(declared):,} bytes; the limit is {limit:,})", 413)
    chunks, size = [], 0
    stream = request.stream()
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            # Read (and drop) what the client is still sending, up to a bound, before answering:
            # closing on unread data makes the kernel reset the connection, and the client never
            # sees the 413.
            async for rest in stream:
                size += len(rest)
                if size > DRAIN_FACTOR * limit:
                    break
            raise BadRequest(f"request body too large (over the limit of {limit:,} bytes)", 413)
        chunks.append(chunk)
    if not size:
        raise BadRequest("empty request body: send an image, or JSON {\"pixels\": [...]} or {\"image\": \"...\"}")
    return b"".join(chunks)


def _image_bytes(text) -> bytes:
    if not isinstance(text, str):
        raise BadRequest("'image' must be a base64 string (or a data: URL)")
    if text.startswith("data:"):
        head, _, text = text.partition(",")
        if ";base64" not in head:
            raise BadRequest("'image' data URL must be base64-encoded")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("'image' is not valid base64") from None


def parse_input(body: bytes, ctype: str):
    """A request body (of Content-Type ``ctype``) → the prepared (784,) image the network sees."""
    if ctype.startswith("image/") or ctype == "application/octet-stream":
        return inference.prepared_from_image(body)
    if ctype != "application/json":
        raise BadRequest(f"unsupported Content-Type {ctype or '(none)'!r}: send application/json or an image", 415)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRequest(f"malformed JSON: {e}") from None
    except RecursionError:
        raise BadRequest("malformed JSON: nested too deeply") from None
    if not isinstance(data, dict) or len(data) != 1 or not ({"pixels", "image"} & data.keys()):
        raise BadRequest("JSON body must be an object with exactly one key: 'pixels' (784 numbers) or 'image' (base64)")
    if "pixels" in data:
        return inference.prepared_from_pixels(data["pixels"])
    return inference.prepared_from_image(_image_bytes(data["image"]))


async def _infer(request, fn):
    """Read the body, then decode, prepare and run the model on the event loop itself: the work
    is 1-10 ms, less than a hop to a worker thread costs on a busy machine (measured with
    benchmarks/bench_serve.py); the slow evaluation endpoint uses a worker thread."""
    body = await read_body(request, request.app.state.max_body)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    catalog, name = request.app.state.catalog, request.query_params.get("model") or None

    start = time.perf_counter()
    x = parse_input(body, ctype)
    loaded = catalog.load(name)
    response = JSONResponse({**fn(loaded, x), "model": loaded.name})
    # the server's own share of the latency (decode, prepare, forward pass, JSON), for benchmarks
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.2f}"
    return response


async def predict(request):
    """
    summary: Classify one handwritten digit
    description: Body is an image (Content-Type image/*), or JSON {"pixels":[784 numbers]} or {"image":"base64"}.
      Images are prepared like MNIST (the code of nndl predict). Query parameter model names the model.
    responses:
      200: {description: "digit, probabilities (10, summing to 1), input (the 784 prepared pixels), model"}
      400: {description: malformed input}
      404: {description: unknown model}
      413: {description: body too large}
    """
    return await _infer(request, inference.predict)


async def activations(request):
    """
    summary: Classify a digit and show every layer's activations
    description: Same input as /api/predict. Adds layers (type, shape, values) and, for a fully-connected
      first layer, first_layer_weights (the 784 weights of its most active units).
    responses:
      200: {description: "predict's answer plus layers and first_layer_weights"}
      400: {description: malformed input}
      404: {description: unknown model}
    """
    return await _infer(request, inference.activations)


async def models(request):
    """
    summary: The models the server offers (runs with a model file, and model files named at start)
    responses:
      200: {description: "models: [{name, kind, path}], default: name"}
    """
    catalog = request.app.state.catalog
    return JSONResponse({"models": catalog.models(), "default": catalog.default_model()})


async def runs(request):
    """
    summary: The runs under the runs folder with their settings, status and accuracies
    responses:
      200: {description: "runs_root, runs: [{name, settings, status, epochs_done, ...}]"}
    """
    catalog = request.app.state.catalog
    rows = [runinfo.describe(n, catalog.run_dir(n)) for n in catalog.run_names()]
    return JSONResponse({"runs_root": str(catalog.runs_root), "runs": rows})


async def run_history(request):
    """
    summary: A run's per-epoch history (cost, accuracy, val_cost, val_accuracy, lr, time)
    responses:
      200: {description: "name, status, history: {key: [per-epoch values]}"}
      400: {description: invalid run name}
      404: {description: no such run}
    """
    catalog = request.app.state.catalog
    name = request.path_params["name"]
    d = catalog.run_dir(name)
    row = runinfo.describe(name, d)
    return JSONResponse({**row, "history": runinfo.history(d)})


async def run_evaluation(request):
    """
    summary: A run's confusion matrix and misclassified digits (nndl evaluate on its model)
    parameters:
      - {name: split, in: query, schema: {type: string, enum: [test, validation]}}
    responses:
      200: {description: "accuracy, confusion_matrix, per_class_accuracy, misclassified (label, predicted, pixels)"}
      404: {description: no such run, or it has no model yet}
    """
    catalog = request.app.state.catalog
    name = request.path_params["name"]
    split = request.query_params.get("split", "test")
    if split not in ("test", "validation"):
        raise BadRequest("split must be 'test' or 'validation'")
    d = catalog.run_dir(name)
    path = next((d / f for f in ("model.npz", "best.npz") if (d / f).is_file()), None)
    if path is None:
        raise NotFound(f"run {name!r} has no model yet (it writes best.npz after its first epoch)")
    return JSONResponse(await run_in_threadpool(request.app.state.evaluations.evaluate, path, split))


__all__ = ["predict", "activations", "models", "runs", "run_history", "run_evaluation", "error_response",
           "MAX_BODY", "BadRequest", "AllowedHosts", "parse_input", "read_body"]
