"""The commands of ``nndl``, in the order ``nndl --help`` lists them.

To add a command, write a module in this package with

    def add_parser(subparsers):  # returns the argparse parser it adds
        p = subparsers.add_parser("my-command", help="...", description="...")
        options.add(p, "data_dir", "json")   # shared options come from nndl.cli.options
        return p

    def run(args) -> int:         # the exit status
        ...

and append it to ``COMMANDS`` below (one line of its own, so that branches adding commands
do not collide). Raise :class:`nndl.errors.NNDLError` (or ValueError) with a
one-line message for bad input: ``nndl.cli.main`` prints it as ``nndl: error: <message>`` and
exits with status 2. A command parses and prints; the work is done in :mod:`nndl.app`.
"""
from . import baseline, evaluate, predict, reproduce, train

COMMANDS = [train, evaluate, predict, baseline, reproduce]
from . import lecture1, universality; COMMANDS += [universality, lecture1]  # noqa: E402,E702
from . import compare_optimizers, lr_find; COMMANDS += [lr_find, compare_optimizers]  # noqa: E402,E702
from . import augment, ensemble; COMMANDS += [ensemble, augment]  # noqa: E402,E702
from . import gradients; COMMANDS += [gradients]  # noqa: E402,E702
from . import serve; COMMANDS += [serve]  # noqa: E402,E702
from . import tune; COMMANDS += [tune]  # noqa: E402,E702
from . import runs; COMMANDS += [runs]  # noqa: E402,E702
