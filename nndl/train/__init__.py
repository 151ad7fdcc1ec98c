"""Training: the loop, callbacks and schedules."""
from .callbacks import (AverageImprovementStopping, Callback, Checkpoint, EarlyStopping, EpochLogger, History,
                        LambdaCallback, ProgressBar, format_epoch)
from .loop import fit
from .schedules import (CosineDecay, EpochSchedule, ExponentialDecay, HalveOnPlateau, LearningRateScheduler,
                        StepDecay, WarmUp, parse_schedule)
