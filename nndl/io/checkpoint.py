"""Checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint holds the model (config + weights), the optimiser (config + state arrays), the
model's RNG state (so the next shuffle and dropout masks are the ones an uninterrupted run
would draw), the regulariser, the history so far, the number of completed epochs and the
state of the stateful callbacks (early stopping, schedules). Written atomically, after every
epoch, by the :class:`Checkpoint` callback.
"""
from __future__ import annotations

from pathlib import Path

from ..backend import rng_state, set_rng_state
from ..errors import ModelFileError
from ..optim import get_optimizer
from ..train.callbacks import Callback, History
from .container import read_container, write_container
from .modelfile import BUILD_ERRORS, build_model_from
from .schema import require

FORMAT = "nndl.checkpoint"
VERSION = 1


def save_checkpoint(path, model, epoch: int, history=None, callback_states=None,
                    metadata: dict | None = None) -> None:
    opt_scalars, opt_arrays = model.optimizer.state_dict()
    meta = {"format": FORMAT, "version": VERSION, "epoch": int(epoch),
            "model": model.get_config(), "optimizer": opt_scalars,
            "regularizer": model.regularizer.get_config(), "rng": rng_state(model.rng),
            "history": history.to_dict() if history is not None else {},
            "callbacks": callback_states or [], "metadata": metadata or {}}
    arrays = {f"w/{k}": v for k, v in model.get_weights().items()}
    arrays.update({f"opt/{k}": v for k, v in opt_arrays.items()})
    write_container(path, meta, arrays)


def load_checkpoint(path, backend: str = "numpy") -> dict:
    """Rebuild the compiled model with its optimiser and RNG state.

    Returns a dict: model, epoch, history (a History), callbacks (list of states), metadata."""
    meta, arrays = read_container(path, FORMAT)
    where = str(Path(path))
    if meta.get("version") != VERSION:
        raise ModelFileError(f"{path}: checkpoint version {meta.get('version')!r} is not supported")
    epoch = require(meta.get("epoch"), int, where, "'epoch'")
    if epoch < 0:
        raise ModelFileError(f"{where}: 'epoch' must be >= 0, found {epoch}")
    optimizer = require(meta.get("optimizer"), dict, where, "'optimizer'")
    for key, kind in (("rng", dict), ("history", dict), ("callbacks", list), ("metadata", dict)):
        require(meta.get(key, kind()), kind, where, f"'{key}'")
    if not all(isinstance(s, dict) for s in meta.get("callbacks", [])):
        raise ModelFileError(f"{where}: every callback state must be a JSON object")
    model = build_model_from(meta.get("model"), {k[2:]: v for k, v in arrays.items() if k.startswith("w/")},
                             where, backend)
    try:
        model.compile(optimizer=get_optimizer(optimizer["config"]), regularizer=meta["regularizer"])
        model.optimizer.load_state_dict(optimizer, {k[4:]: v for k, v in arrays.items() if k.startswith("opt/")},
                                        model.xp)
        set_rng_state(model.rng, meta["rng"])
        history = History(meta["history"])
        _check_optimizer_state(model, arrays, where)
    except BUILD_ERRORS as e:
        raise ModelFileError(f"{where}: damaged checkpoint ({type(e).__name__}: {e})") from None
    return {"model": model, "epoch": epoch, "history": history,
            "callbacks": meta.get("callbacks", []), "metadata": meta.get("metadata", {})}


def _check_optimizer_state(model, arrays: dict, where: str) -> None:
    """Optimiser arrays are keyed '<parameter index>.<name>' and shaped like that parameter."""
    params = model.parameters()
    for key, value in arrays.items():
        if not key.startswith("opt/"):
            continue
        index, _, _ = key[4:].partition(".")
        if not index.isdigit() or int(index) >= len(params):
            raise ModelFileError(f"{where}: optimiser state {key!r} belongs to no parameter of the model")
        if tuple(value.shape) != tuple(params[int(index)].value.shape):
            raise ModelFileError(f"{where}: optimiser state {key!r} has shape {tuple(value.shape)}, "
                                 f"expected {tuple(params[int(index)].value.shape)}")


def restore_training(checkpoint: dict, callbacks) -> None:
    """Put saved callback states back, in order, into freshly built callbacks."""
    states = checkpoint["callbacks"]
    stateful = [cb for cb in callbacks if _is_stateful(cb)]
    if len(states) != len(stateful):
        raise ModelFileError(f"checkpoint holds {len(states)} callback states but the run has "
                             f"{len(stateful)} stateful callbacks; resume with the same settings")
    for cb, state in zip(stateful, states):
        cb.set_state(state)


def _is_stateful(cb) -> bool:
    return not isinstance(cb, History) and type(cb).get_state is not Callback.get_state \
        and not getattr(cb, "is_checkpoint", False)


def callback_states(callbacks) -> list:
    return [cb.get_state() for cb in callbacks if _is_stateful(cb)]


class Checkpoint(Callback):
    """Save a checkpoint (model, optimiser, RNG, history, callback states) after every epoch,
    atomically, so :func:`load_checkpoint` + ``fit(initial_epoch=...)`` resumes exactly.

    Put it last in the callback list so it sees the epoch's final learning rate."""

    is_checkpoint = True

    def __init__(self, path, metadata: dict | None = None):
        self.path, self.metadata = path, metadata

    def on_epoch_end(self, epoch, logs):
        history = next(cb for cb in self.peers if isinstance(cb, History))
        save_checkpoint(self.path, self.model, epoch + 1, history, callback_states(self.peers), self.metadata)
