"""``nndl``: argument parsing and dispatch, and the one place errors become exit statuses.

* bad input (unknown option, impossible value, unreadable file, unknown config key) →
  ``nndl: error: <one line>`` on stderr, exit status 2;
* an unexpected failure → one line naming it, exit status 1 (``NNDL_DEBUG=1`` shows the
  traceback);
* Ctrl-C → exit status 130.
"""
from __future__ import annotations

import argparse
import os
import sys

from ..errors import NNDLError
from .options import Formatter


class UsageError(Exception):
    """A command-line problem argparse found (unknown option, bad value)."""


class Parser(argparse.ArgumentParser):
    """argparse, but errors are raised (and printed by main as one line), not printed with
    the usage text; help texts are plain text (see :class:`nndl.cli.options.Formatter`)."""

    def __init__(self, *args, formatter_class=Formatter, **kwargs):
        super().__init__(*args, formatter_class=formatter_class, **kwargs)

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    from .commands import COMMANDS
    from .reproduce import covered

    parser = Parser(prog="nndl", description="Neural Networks and Deep Learning (M. Nielsen) from first "
                    "principles: train, evaluate and use networks on MNIST, and reproduce the book's results — "
                    f"{covered()}: 'nndl reproduce --list'.",
                    epilog="Run 'nndl COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"nndl {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command", parser_class=Parser)
    for module in COMMANDS:
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
    return parser


def _one_line(e: BaseException) -> str:
    if isinstance(e, KeyError) and e.args:
        msg = str(e.args[0])
    else:
        msg = str(e) or type(e).__name__
    return " ".join(msg.split())


def main(argv=None) -> int:
    debug = bool(os.environ.get("NNDL_DEBUG"))
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if getattr(args, "_run", None) is None:
            parser.print_help()
            return 2
        return int(args._run(args) or 0)
    except UsageError as e:
        print(f"nndl: error: {e}", file=sys.stderr)
        return 2
    except (NNDLError, ValueError, KeyError) as e:
        if debug:
            raise
        print(f"nndl: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nndl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into head
        return 1
    except OSError as e:  # a path the user gave: under a file, unwritable, on a full disk
        if debug:
            raise
        if isinstance(e, (NotADirectoryError, FileExistsError)) and e.filename:  # a file in a folder's place
            from ..atomic import output_error

            print(f"nndl: error: {output_error(e.filename, e)}", file=sys.stderr)
            return 2
        where = f"{e.filename}: " if e.filename else ""
        print(f"nndl: error: {where}{e.strerror or _one_line(e)}", file=sys.stderr)
        return 2
    except Exception as e:  # pragma: no cover - a bug, reported in one line
        if debug:
            raise
        print(f"nndl: internal error: {type(e).__name__}: {_one_line(e)} (set NNDL_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
