"""``nndl serve [RUN_OR_MODEL ...]``: the local web pages (see :mod:`nndl.serve`)."""
from __future__ import annotations

import ipaddress

from . import options

LOOPBACK = ("localhost",)


def add_parser(subparsers):
    p = subparsers.add_parser("serve", help="a local web page: draw a digit and see inside the network; watch runs",
                              description="Start a web server (on 127.0.0.1 unless --host says otherwise) with two "
                              "pages: / to draw a digit and see the prediction, the 28x28 input the network sees, "
                              "every layer's activations and first-layer weights; /runs for the runs under --runs "
                              "with their learning curves (live while training), confusion matrices and misclassified "
                              "digits. A JSON API is under /api (described at /api/openapi.json).")
    p.add_argument("paths", metavar="RUN_OR_MODEL", nargs="*",
                   help="run folders or model files (.npz) to offer besides the runs under --runs")
    p.add_argument("--runs", metavar="DIR", default="runs", help="the runs folder (default: runs)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this computer only; anything else exposes the "
                   "server to the network, a deliberate choice)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    p.add_argument("--max-body", type=int, default=2 * 1024 * 1024, metavar="BYTES",
                   help="largest request body accepted (default: 2 MiB)")
    options.add(p, "data_dir")
    return p


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host in LOOPBACK


def run(args) -> int:
    import sys

    from ..errors import ConfigError
    from ..serve import address, bind, create_app, make_server

    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be in 0..65535, got {args.port}")
    if args.max_body < 1024:
        raise ConfigError(f"--max-body must be at least 1024 bytes, got {args.max_body}")
    hosts = None if _is_loopback(args.host) else ["*"]
    app = create_app(args.runs, args.paths, data_dir=args.data_dir, max_body=args.max_body, allowed_hosts=hosts)
    try:
        sock = bind(args.host, args.port)
    except OSError as e:
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    if hosts:
        print(f"nndl: notice: listening on {args.host}, reachable from other computers", file=sys.stderr)
    print(f"nndl serve: {address(sock)}  (draw: /, runs: /runs, API: /api/openapi.json; Ctrl-C stops)", flush=True)
    try:
        make_server(app).run(sockets=[sock])
    finally:
        sock.close()
    return 0
