"""Training: the loop (the one place that loops over mini-batches), callbacks, schedules and
the learning-rate range test (a callback on the loop). Checkpoints: :class:`nndl.io.Checkpoint`."""
from .callbacks import (AverageImprovementStopping, Callback, EarlyStopping, EpochLogger, History, LambdaCallback,
                        ProgressBar, format_epoch)
from .loop import fit
from .schedules import (CosineDecay, EpochSchedule, ExponentialDecay, HalveOnPlateau, LearningRateScheduler,
                        StepDecay, WarmUp, parse_early_stopping, parse_schedule)
