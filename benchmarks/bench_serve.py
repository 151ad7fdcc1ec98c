"""Latency and throughput of ``nndl serve``'s prediction API on loopback (a benchmark, not a test).

Starts ``nndl serve`` as a separate process on a free port with two models — the default FC
network ([784,100,10] sigmoid, the shape of ``nndl train``'s default run) and the chapter 6
conv net (``conv2-relu``: two conv-pool layers of 20 and 40 5×5 maps, FC100, softmax; ReLU) — untrained,
which costs the same per prediction as trained — and sends:

* 500 sequential requests per model and input kind, one keep-alive connection: p50/p95/max
  of the round trip, and of the server's own share (its ``Server-Timing`` header: decode,
  prepare, forward pass, JSON);
* 8 concurrent clients (threads, one connection each), 100 requests each: requests/second.

Inputs: a drawn digit as the draw page sends it (a 280×280 PNG, prepared like MNIST by the
server), and 784 pixel values as JSON. ``/api/activations`` (what the page asks for while you
draw) is timed too.

    python benchmarks/bench_serve.py [--n 500] [--clients 8] [--threads 1]
"""
from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def models(folder: Path) -> dict:
    from nndl.app.build import build_model, resolve
    from nndl.app.convnets import chapter6_model
    from nndl.app.settings import RunConfig
    from nndl.io import save_model

    fc = build_model(resolve(RunConfig(), 784, 10))
    conv = chapter6_model("conv2-relu", seed=0)
    out = {"fc": folder / "fc.npz", "conv6": folder / "conv6.npz"}
    save_model(fc, out["fc"])
    save_model(conv, out["conv6"])
    return out


def drawn_png() -> bytes:
    """A '7' drawn like on the page's 280×280 canvas: black strokes on white."""
    from PIL import Image, ImageDraw

    im = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(im).line([(70, 60), (210, 60), (150, 240)], fill=0, width=18, joint="curve")
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def start_server(paths, env):
    cmd = [sys.executable, "-m", "nndl.cli.main", "serve", "--port", "0", "--runs", str(paths[0].parent / "runs"),
           *map(str, paths)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    host_port = line.split("http://")[1].split("/")[0]
    host, port = host_port.rsplit(":", 1)
    return proc, host, int(port)


def timed_requests(host, port, path, body, ctype, n):
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as browsers do
    times, server = [], []
    for _ in range(n):
        t = time.perf_counter()
        conn.request("POST", path, body=body, headers={"Content-Type": ctype})
        r = conn.getresponse()
        data = r.read()
        times.append(time.perf_counter() - t)
        server.append(float(r.getheader("Server-Timing", "app;dur=nan").split("dur=")[1]))
        if r.status != 200:
            raise SystemExit(f"{path}: HTTP {r.status}: {data[:200]!r}")
    conn.close()
    return np.asarray(times) * 1000, np.asarray(server)


def throughput(host, port, path, body, ctype, clients, per_client):
    start = threading.Barrier(clients + 1)

    def client():
        start.wait()
        timed_requests(host, port, path, body, ctype, per_client)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return clients * per_client / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=500, help="sequential requests per case (default 500)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients for throughput (default 8)")
    ap.add_argument("--per-client", type=int, default=100, help="requests per concurrent client (default 100)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads in the server process (default 1)")
    args = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads),
               MKL_NUM_THREADS=str(args.threads))
    png = drawn_png()
    pixels = json.dumps({"pixels": [0.0] * 300 + [0.8] * 184 + [0.0] * 300}).encode()
    with tempfile.TemporaryDirectory() as tmp:
        paths = models(Path(tmp))
        proc, host, port = start_server(list(paths.values()), env)
        try:
            from threadpoolctl import threadpool_info

            blas = {i.get("internal_api"): i.get("architecture") for i in threadpool_info()}
            print(f"# nndl serve on {host}:{port}; {platform.machine()}, {os.cpu_count()} cores; "
                  f"BLAS {blas}; {args.threads} BLAS thread(s) in the server; load avg {os.getloadavg()[0]:.2f}")
            print(f"| model | endpoint | input | p50 ms | p95 ms | max ms | server's own p50 / p95 ms | "
                  f"req/s, {args.clients} clients |")
            print("|---|---|---|---|---|---|---|---|")
            for name in paths:
                for endpoint, kind, body, ctype in (("predict", "drawn PNG 280×280", png, "image/png"),
                                                    ("predict", "784 pixels (JSON)", pixels, "application/json"),
                                                    ("activations", "drawn PNG 280×280", png, "image/png")):
                    path = f"/api/{endpoint}?model={name}"
                    timed_requests(host, port, path, body, ctype, 20)  # warm up: load the model, caches
                    ms, own = timed_requests(host, port, path, body, ctype, args.n)
                    rps = throughput(host, port, path, body, ctype, args.clients, args.per_client)
                    print(f"| {name} | /api/{endpoint} | {kind} | {np.percentile(ms, 50):.1f} | "
                          f"{np.percentile(ms, 95):.1f} | {ms.max():.1f} | {np.percentile(own, 50):.1f} / "
                          f"{np.percentile(own, 95):.1f} | {rps:.0f} |", flush=True)
            print(f"# load avg after: {os.getloadavg()[0]:.2f}")
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
