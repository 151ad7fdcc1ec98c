"""One option generator, one spelling per meaning: every command's shared options read the same
(flag, metavar, help), old spellings still work, errors name flags, help has no '%%'."""
from __future__ import annotations

import argparse
import subprocess
import sys

import pytest
from cli_util import assert_usage_error, nndl

from nndl.cli.main import build_parser
from nndl.cli.options import SHARED


def _commands():
    """{'train': parser, 'ensemble train': parser, ...} for every command and sub-command."""
    out = {}

    def walk(prefix, parser):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs and prefix:
            out[prefix] = parser
        for sub in subs:
            for name, p in sub.choices.items():
                walk(f"{prefix} {name}".strip(), p)

    walk("", build_parser())
    return out


COMMANDS = _commands()


def _visible(parser):
    return {o: a for a in parser._actions if a.help != argparse.SUPPRESS for o in a.option_strings}


def test_every_command_is_covered():
    assert {"train", "evaluate", "predict", "baseline", "reproduce", "lr-find", "compare-optimizers",
            "ensemble train", "ensemble evaluate", "augment"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(SHARED))
def test_shared_options_read_the_same_in_every_command(name):
    flags, kw = SHARED[name]
    seen = 0
    for cmd, parser in COMMANDS.items():
        actions = _visible(parser)
        if flags[-1] not in actions:
            continue
        a = actions[flags[-1]]
        seen += 1
        assert a.option_strings == list(flags), cmd
        assert a.metavar == kw.get("metavar"), cmd
        assert a.help == kw["help"] or name == "no_plots", (cmd, a.help)  # train names its two plots
    assert seen >= 2, f"{name} is shared by fewer than two commands"


def test_out_is_the_one_spelling_of_where_a_command_writes():
    old = {"--run-dir", "--run-root", "--out-dir", "--save-input", "--lr"}
    for cmd, parser in COMMANDS.items():
        visible = _visible(parser)
        assert not old & set(visible), (cmd, old & set(visible))
        if "--out" in visible:
            assert visible["--out"].metavar in ("DIR", "PNG"), cmd
    writers = {"train", "evaluate", "predict", "reproduce", "lr-find", "compare-optimizers", "ensemble train",
               "augment"}
    assert all("--out" in _visible(COMMANDS[cmd]) for cmd in writers)


def test_one_metavar_per_option_across_commands():
    metavars = {}
    for cmd, parser in COMMANDS.items():
        for flag, a in _visible(parser).items():
            if a.metavar is None or flag == "--out":
                continue
            metavars.setdefault(flag, {})[cmd] = a.metavar
    for flag, by_cmd in metavars.items():
        allowed = {"ETA", "NAME=ETA"} if flag == "--eta" else None   # compare-optimizers: one η per optimiser
        assert len(set(by_cmd.values())) == 1 or set(by_cmd.values()) == allowed, (flag, by_cmd)


def test_help_texts_have_no_doubled_percent_and_list_what_reproduce_covers():
    for cmd, parser in COMMANDS.items():
        text = parser.format_help()
        assert "%%" not in text, cmd
    from nndl.app.reproduce import RECIPES
    from nndl.cli.reproduce import covered

    top = " ".join(build_parser().format_help().split())
    assert covered() in top and "reproduce --list" in top
    assert all(str(r.chapter) in covered() for r in RECIPES.values())


def test_old_spellings_still_work(tmp_path):
    parser = build_parser()
    assert parser.parse_args(["train", "--run-dir", "x"]).out == "x"
    assert parser.parse_args(["reproduce", "--run-root", "y"]).out == "y"
    assert parser.parse_args(["evaluate", "m.npz", "--out-dir", "z"]).out == "z"
    assert parser.parse_args(["predict", "m.npz", "a.png", "--save-input", "w"]).out == "w"
    assert parser.parse_args(["train", "--lr", "0.1"]).eta == 0.1
    assert parser.parse_args(["compare-optimizers", "--lr", "sgd=0.1"]).etas == ["sgd=0.1"]
    assert parser.parse_args(["reproduce"]).out == "runs"


def test_errors_name_flags_and_suggest_registry_names(tmp_path):
    assert_usage_error(nndl("train", "--batch-size", "0", "--out", tmp_path / "r"), "--batch-size must be >= 1")
    assert_usage_error(nndl("train", "--optimizer", "adamm", "--out", tmp_path / "r"), "--optimizer",
                       "did you mean 'adam'")
    assert_usage_error(nndl("compare-optimizers", "--optimizers", "sgd,adamm"), "did you mean 'adam'")
    assert_usage_error(nndl("lr-find", "--cost", "cross_entropi"), "--cost", "did you mean 'cross_entropy'")
    assert_usage_error(nndl("baseline", "darknes"), "did you mean 'darkness'")
    assert_usage_error(nndl("ensemble", "train", "--out", tmp_path / "e", "--arch", "conv2relu"),
                       "did you mean 'conv2-relu'")
    assert_usage_error(nndl("reproduce", "ch1-3"), "did you mean")
    assert not (tmp_path / "r").exists() and not (tmp_path / "e").exists()


def test_python_dash_m_nndl():
    r = subprocess.run([sys.executable, "-m", "nndl", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("nndl ")
