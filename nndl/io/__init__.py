"""Files: the safe model format and checkpoints (npz + JSON, never pickle), the book's JSON."""
from .checkpoint import Checkpoint, load_checkpoint, restore_training, save_checkpoint
from .container import read_container, write_container
from .modelfile import load_model, load_predictor, save_model
