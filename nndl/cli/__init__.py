"""The ``nndl`` command line: a thin shell over the library.

:mod:`nndl.cli.main` parses and dispatches; each command is one module here exposing
``add_parser(subparsers)`` and ``run(args) -> int``, listed in :mod:`nndl.cli.commands`.
"""
