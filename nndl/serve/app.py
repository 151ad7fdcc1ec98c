"""The web application (Starlette) and the server (uvicorn).

    from nndl.serve import bind, create_app, make_server
    app = create_app(runs_root="runs", paths=["net.npz"])   # an ASGI app
    make_server(app).run(sockets=[bind("127.0.0.1", 8000)])  # blocks until Ctrl-C

Pages: ``/`` (draw a digit and watch the network) and ``/runs`` (learning curves, confusion
matrices). JSON API under ``/api`` (see :mod:`nndl.serve.api`), described at
``/api/openapi.json``. Static files ship inside the package (``nndl/serve/static``): no CDN,
no build step.
"""
from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.schemas import SchemaGenerator
from starlette.staticfiles import StaticFiles

from . import api
from .catalog import Catalog
from .runinfo import Evaluations

STATIC = Path(__file__).resolve().parent / "static"
SCHEMAS = SchemaGenerator({"openapi": "3.0.0", "info": {"title": "nndl serve", "version": "1"}})
HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:",
           "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


def _page(name):
    async def page(request):
        return FileResponse(STATIC / name, headers=HEADERS)
    return page


async def openapi(request):
    return JSONResponse(SCHEMAS.get_schema(routes=request.app.routes))


def create_app(runs_root="runs", paths=(), data_dir=None, max_body: int = api.MAX_BODY,
               allowed_hosts=None) -> Starlette:
    """The ASGI app over a :class:`Catalog` of ``runs_root`` and the run folders / model files
    in ``paths``. ``allowed_hosts``: Host headers accepted (default: loopback names only, which
    also stops DNS-rebinding pages from reaching the server)."""
    routes = [
        Route("/", _page("draw.html")),
        Route("/runs", _page("runs.html")),
        Route("/api/models", api.models, methods=["GET"]),
        Route("/api/predict", api.predict, methods=["POST"]),
        Route("/api/activations", api.activations, methods=["POST"]),
        Route("/api/runs", api.runs, methods=["GET"]),
        Route("/api/runs/{name}", api.run_history, methods=["GET"]),
        Route("/api/runs/{name}/evaluation", api.run_evaluation, methods=["GET"]),
        Route("/api/openapi.json", openapi, include_in_schema=False),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    hosts = list(allowed_hosts or ["127.0.0.1", "localhost", "[::1]"])
    app = Starlette(routes=routes, middleware=[Middleware(api.AllowedHosts, hosts=hosts)],
                    exception_handlers={Exception: api.error_response, 400: api.error_response,
                                        404: api.error_response, 405: api.error_response})
    app.state.catalog = Catalog(runs_root, paths)
    app.state.evaluations = Evaluations(data_dir)
    app.state.max_body = int(max_body)
    return app


def bind(host: str = "127.0.0.1", port: int = 8000):
    """A listening socket on (host, port); port 0 picks a free one. OSError if taken."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP lets asyncio set TCP_NODELAY on each connection; without it a response
    # (headers, then body) waits ~40 ms for the client's delayed ACK (Nagle's algorithm).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def address(sock) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


def make_server(app):
    """A uvicorn server for ``app``; ``server.run(sockets=[bind(host, port)])``
    blocks until Ctrl-C (or ``server.should_exit = True`` from another thread)."""
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))


__all__ = ["create_app", "bind", "address", "make_server", "STATIC"]
