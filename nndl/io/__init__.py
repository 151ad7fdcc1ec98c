"""Files: the safe model format and checkpoints (npz + JSON, never pickle)."""
from .checkpoint import load_checkpoint, restore_training, save_checkpoint
from .container import read_container, write_container
from .modelfile import load_model, save_model
