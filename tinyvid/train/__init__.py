"""Training and import: built-in microcontroller architectures, deterministic training
with early stopping, and import of ``.keras``/``.h5``/SavedModel/``.tflite`` models."""

from tinyvid.train.architectures import ARCHITECTURES, DEFAULT_ARCH, architecture_params, build_model
from tinyvid.train.fitting import compile_for_classification, evaluate, evaluate_accuracy, fit, predict
from tinyvid.train.macs import keras_macs
from tinyvid.train.trainer import TrainResult, train

__all__ = [
    "ARCHITECTURES",
    "DEFAULT_ARCH",
    "TrainResult",
    "architecture_params",
    "build_model",
    "compile_for_classification",
    "evaluate",
    "evaluate_accuracy",
    "fit",
    "keras_macs",
    "predict",
    "train",
]
