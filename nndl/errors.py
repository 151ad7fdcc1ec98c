"""nndl's exceptions. Each carries a one-line message a user can act on; the CLI prints it
and exits non-zero instead of showing a traceback."""


class NNDLError(Exception):
    """Base class of every error nndl raises on purpose."""


class DataError(NNDLError):
    """A dataset is missing, damaged or of the wrong shape."""


class ModelFileError(NNDLError):
    """A model or checkpoint file cannot be read: not one, damaged, or of an unknown version."""


class ConfigError(NNDLError, ValueError):
    """An impossible setting: negative eta, unknown option, bad layer size..."""


class TrainingError(NNDLError):
    """Training cannot go on (e.g. divergence to NaN/inf, or backprop through a step function)."""


class OutputError(NNDLError, OSError):
    """A file cannot be written: a folder under a file, no permission, a full disk... (also an
    OSError, so code that catches OSError keeps working)."""


class InputError(NNDLError, ValueError):
    """Arrays handed to the Python API cannot be used as they are: empty, of mismatched lengths,
    labels of the wrong kind, NaN or inf values (also a ValueError)."""


def unknown_name(what: str, name, choices) -> str:
    """The one message for a name missing from a registry, with the closest spelling:
    "unknown cost 'cross_entropi': choose one of ... (did you mean 'cross_entropy'?)"."""
    import difflib

    choices = sorted(str(c) for c in choices)
    hint = difflib.get_close_matches(str(name).lower(), choices, n=1)
    more = f" (did you mean {hint[0]!r}?)" if hint else ""
    return f"unknown {what} {name!r}: choose one of {', '.join(choices)}{more}"
