"""Compression: unstructured and structured pruning, int8 post-training quantization,
quantization-aware training, knowledge distillation and the compression report.

The one-call entry point is :func:`compress`; the steps are usable on their own.
"""

from tinyvid.compress.distill import distillation_loss, make_distiller
from tinyvid.compress.evaluate import quantize_frames, tflite_outputs, tflm_check
from tinyvid.compress.finetune import FinetuneOptions, finetune
from tinyvid.compress.model_io import load_keras_model
from tinyvid.compress.data import load_matching_dataset, model_record
from tinyvid.compress.pipeline import DEFAULT_OUT_DIR, compress
from tinyvid.compress.prune import Sparsity, measure_sparsity, prune_unstructured
from tinyvid.compress.quantize import INPUT_SCALE, INPUT_ZERO_POINT, check_int8, quantize_float_tflite, representative_frames, to_int8_tflite
from tinyvid.compress.report import CompressionReport, Stage, format_report
from tinyvid.compress.structured import LayerChange, plan_channels, shrink

__all__ = [
    "DEFAULT_OUT_DIR",
    "INPUT_SCALE",
    "INPUT_ZERO_POINT",
    "CompressionReport",
    "FinetuneOptions",
    "LayerChange",
    "Sparsity",
    "Stage",
    "check_int8",
    "compress",
    "distillation_loss",
    "finetune",
    "format_report",
    "load_keras_model",
    "load_matching_dataset",
    "make_distiller",
    "measure_sparsity",
    "model_record",
    "plan_channels",
    "prune_unstructured",
    "quantize_float_tflite",
    "quantize_frames",
    "representative_frames",
    "shrink",
    "tflite_outputs",
    "tflm_check",
    "to_int8_tflite",
]
