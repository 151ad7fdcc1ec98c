"""Shared option handling for the modern-training commands (lr-find, compare-optimizers):
the network/optimiser/data settings of ``nndl train`` (same names, same RunConfig)."""
from __future__ import annotations

import argparse
from dataclasses import fields

from ..app.settings import RunConfig, field_help, load_config
from ..errors import ConfigError
from .options import add_data_dir

NETWORK = ("sizes", "activation", "output_activation", "cost", "init", "dropout", "batch_norm")
DATA = ("dataset", "subset", "scale", "preprocess")
TRAINING = ("batch_size", "eta", "lmbda", "regularizer", "optimizer", "momentum", "beta1", "beta2", "rho",
            "eps", "weight_decay", "clip_norm", "clip_value", "seed", "dtype")


def add_run_options(p, groups=(("data", DATA), ("network", NETWORK), ("training", TRAINING)), overrides=None):
    from .train import _METAVAR, _sizes_arg

    p.add_argument("--config", metavar="FILE", help="TOML file of settings (the keys of nndl train)")
    add_data_dir(p)
    helps = field_help()
    defaults = RunConfig()
    by_name = {f.name: f for f in fields(RunConfig)}
    overrides = overrides or {}
    for group, names in groups:
        g = p.add_argument_group(group)
        for name in names:
            f = by_name[name]
            default = overrides.get(name, getattr(defaults, name))
            shown = "input,100,output" if name == "sizes" and name not in overrides else \
                ("unset" if default is None else default)
            if isinstance(shown, list):
                shown = ",".join(map(str, shown))
            text = f"{helps.get(name, '')} (default: {shown})".replace("%", "%%")
            flag = "--" + name.replace("_", "-")
            if name == "batch_norm":
                g.add_argument(flag, dest=name, action="store_const", const=True, default=argparse.SUPPRESS,
                               help=text)
            else:
                typ = {"int": int, "float": float, "float | None": float, "list": _sizes_arg}.get(str(f.type), str)
                g.add_argument(flag, dest=name, type=typ, metavar=_METAVAR.get(name, name.upper().split("_")[0]),
                               default=argparse.SUPPRESS, help=text)


def setup_from_args(args, overrides=None):
    """(resolved config, prepared data, compiled model) from the options, like nndl train."""
    from ..app.build import setup_run

    names = {f.name for f in fields(RunConfig)}
    settings = {**(overrides or {}), **{k: v for k, v in vars(args).items() if k in names}}
    base = load_config(args.config) if getattr(args, "config", None) else RunConfig()
    cfg = base.replace(**settings) if settings else base
    try:
        return setup_run(cfg, args.data_dir, allow_fallback=False)
    except TypeError as e:  # pragma: no cover - a setting of the wrong kind
        raise ConfigError(str(e)) from None
