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
