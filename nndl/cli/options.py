"""Every option of every command, generated here and nowhere else, so that one meaning has one
spelling, one metavar and one help text in every command:

* the run settings (``--sizes``, ``--eta``, ``--cost``, ...) come from :class:`RunConfig`'s
  fields — their types, defaults and help — and the names they accept from the registries;
* the shared options below (``--out``, ``--data-dir``, ``--config``, ``-q/--quiet``, ``--json``,
  ``--no-plots``): ``--out`` is where any command writes (a folder, or a PNG file), and the
  spellings commands used before (``--run-dir``, ``--run-root``, ``--out-dir``,
  ``--save-input``, ``--lr``) still work, hidden from the help.

A command's errors name its flags, not the settings' internal names: :func:`flag`.
"""
from __future__ import annotations

import argparse
from dataclasses import fields
from typing import get_args, get_type_hints

from ..app.settings import RunConfig, choices, field_help, parse_sizes
from ..errors import ConfigError

#: metavars: N for counts, ETA for learning rates, NAME for a registry's names, DIR for folders,
#: FILE/PNG for files.
METAVARS = {"sizes": "N,N,...", "subset": "N", "epochs": "N", "batch_size": "N", "seed": "N", "dropout": "P",
            "clip_norm": "K", "clip_value": "K", "eta": "ETA", "lmbda": "LMBDA", "momentum": "MU", "rho": "RHO",
            "beta1": "BETA1", "beta2": "BETA2", "eps": "EPS", "weight_decay": "WD", "schedule": "SPEC",
            "early_stopping": "RULE", "threads": "N"}

SHARED = {
    "data_dir": (("--data-dir",), dict(metavar="DIR", help="folder holding the MNIST files (default: $NNDL_DATA_DIR, "
                                       "then ~/.cache/nndl/mnist, downloading there if missing)")),
    "config": (("--config",), dict(metavar="FILE", help="TOML file of settings, the keys of 'nndl train' (e.g. a "
                                   "run's config.toml); options given here override it")),
    "quiet": (("-q", "--quiet"), dict(action="store_true", help="print nothing but errors")),
    "json": (("--json",), dict(action="store_true", help="print JSON instead of text: one object per line "
                               "(for scripts)")),
    "no_plots": (("--no-plots",), dict(action="store_true", help="do not write the PNG plots")),
}

DATA = ("dataset", "subset", "scale", "evaluation_data", "preprocess")
NETWORK = ("sizes", "activation", "output_activation", "cost", "init", "dropout", "batch_norm")
TRAINING = ("epochs", "batch_size", "eta", "lmbda", "regularizer", "optimizer", "momentum", "beta1", "beta2", "rho",
            "eps", "weight_decay", "clip_norm", "clip_value", "schedule", "early_stopping", "monitor_training", "seed",
            "dtype", "threads")
GROUPS = (("data", DATA), ("network", NETWORK), ("training", TRAINING))
#: the settings of a short run that writes no run folder (lr-find, compare-optimizers)
SHORT_RUN = (("data", ("dataset", "subset", "scale", "preprocess")), ("network", NETWORK),
             ("training", ("batch_size", "eta", "lmbda", "regularizer", "optimizer", "momentum", "beta1", "beta2",
                           "rho", "eps", "weight_decay", "clip_norm", "clip_value", "seed", "dtype")))


class Formatter(argparse.HelpFormatter):
    """Help texts are plain text: no %-formatting, so a '%' is written as it reads."""

    def _expand_help(self, action):
        return self._get_help_string(action)


class RawFormatter(Formatter, argparse.RawDescriptionHelpFormatter):
    """The same, keeping the description's line breaks."""


def flag(name: str) -> str:
    """The command-line spelling of a setting: batch_size → --batch-size."""
    return "--" + name.replace("_", "-")


def add(parser, *names, **help_overrides):
    """Add shared options by name (keys of :data:`SHARED`); ``help_overrides`` replace a help."""
    for name in names:
        flags, kw = SHARED[name]
        parser.add_argument(*flags, **{**kw, "help": help_overrides.get(name, kw["help"])})


def add_out(parser, help: str, default=None, metavar: str = "DIR", old=()):
    """--out: where the command writes; ``old`` are the spellings it had before (hidden)."""
    shown = f" (default: {default})" if default else ""
    parser.add_argument("--out", metavar=metavar, default=default, help=help + shown)
    for spelling in old:
        parser.add_argument(spelling, dest="out", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def add_data_dir(parser):
    """--data-dir (kept for commands written before :func:`add`)."""
    add(parser, "data_dir")


def add_output_mode(parser):
    """-q/--quiet or --json (not both)."""
    add(parser.add_mutually_exclusive_group(), "quiet", "json")


def sizes_arg(text):
    try:
        return parse_sizes(text)
    except ConfigError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _parser_for(typ):
    """The argparse type of a setting's annotation: int, float (also when optional), str, sizes."""
    if typ is list:
        return sizes_arg
    return typ if typ in (int, float, str) else next(t for t in get_args(typ) if t is not type(None))


def add_setting(parser, name: str, default=None):
    """One RunConfig setting as an option: type, metavar and help from the field; ``default``
    (else the field's) is shown in the help and applied by the command."""
    f = {f.name: f for f in fields(RunConfig)}[name]
    typ = get_type_hints(RunConfig)[name]
    shown = default if default is not None else getattr(RunConfig(), name)
    if isinstance(shown, list):
        shown = ",".join(map(str, shown)) or "input,100,output"
    text = f"{field_help()[name]} (default: {'unset' if shown is None else shown})"
    if typ is bool and f.default is True:
        parser.add_argument("--no-" + flag(name)[2:], dest=name, action="store_const", const=False,
                            default=argparse.SUPPRESS, help=f"do not {field_help()[name]}")
    elif typ is bool:
        parser.add_argument(flag(name), dest=name, action="store_const", const=True, default=argparse.SUPPRESS,
                            help=text)
    else:
        parser.add_argument(flag(name), dest=name, type=_parser_for(typ), default=argparse.SUPPRESS, help=text,
                            metavar="NAME" if choices(name) else METAVARS.get(name, name.upper()))
    if name == "eta":
        parser.add_argument("--lr", dest="eta", type=float, default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def add_settings(parser, groups=GROUPS, defaults=None) -> dict:
    """The run settings, in argument groups (data, network, training); returns the groups."""
    defaults, out = defaults or {}, {}
    for title, names in groups:
        g = out[title] = parser.add_argument_group(title)
        for name in names:
            add_setting(g, name, defaults.get(name))
    return out


def settings_from(args, defaults=None) -> dict:
    """The settings given on the command line (over ``defaults``)."""
    names = {f.name for f in fields(RunConfig)}
    return {**(defaults or {}), **{k: v for k, v in vars(args).items() if k in names}}


def config_from(args, defaults=None) -> RunConfig:
    """The RunConfig of --config (if any) with the command line's settings over it, validated
    with errors that name the flags."""
    from ..app.settings import load_config

    base = load_config(args.config) if getattr(args, "config", None) else RunConfig()
    settings = settings_from(args, defaults)
    cfg = base.replace(**settings) if settings else base
    return cfg.validate(name=flag)
