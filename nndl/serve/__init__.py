"""``nndl serve``: a small local web application over the library — draw a digit and see inside
the network; watch and compare training runs. A front end: it computes nothing itself.

    app.py        the Starlette app (pages, static files, OpenAPI) and the uvicorn server
    api.py        the JSON endpoints, input limits and error answers
    catalog.py    runs and model files, found by validated name; loaded models, cached
    inference.py  prediction and layer activations (nndl.data.imageprep + nndl.app.evaluation)
    runinfo.py    a run folder's settings, history, status and evaluation
    static/       the pages: HTML, CSS and plain JavaScript (no CDN, no build step)
"""
from .app import address, bind, create_app, make_server

__all__ = ["create_app", "bind", "address", "make_server"]
