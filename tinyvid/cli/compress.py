"""CLI commands of the compress stage (thin wrappers over the library)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from tinyvid.cli.options import POSITIVE, SEED, json_flag, output_option
from tinyvid.compress.pipeline import DEFAULT_EPOCHS, DEFAULT_LEARNING_RATE


@click.command("compress")
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--data", "data", default=None, metavar="SOURCE",
              help="Data set the model was trained on: synthetic, lfw or a folder (loaded at the model's input size) "
                   "[default: the one recorded in the model.json that tinyvid train wrote beside MODEL].")
@click.option("--fps", type=POSITIVE, default=None,
              help="Frames sampled per second of video [the training's, else 2].")
@click.option("--sparsity", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="Unstructured magnitude pruning: fraction of weights to zero, e.g. 0.5.")
@click.option("--structured", type=click.FloatRange(0, 1, max_open=True), default=None,
              help="Structured pruning: fraction of channels to remove, e.g. 0.5 (really cuts MACs).")
@click.option("--criterion", type=click.Choice(["l1", "bn_gamma"]), default="l1", show_default=True,
              help="Channel importance for --structured: L1 norm of filters or |BatchNorm gamma|.")
@click.option("--qat", is_flag=True, help="Quantization-aware training before int8 conversion.")
@click.option("--teacher", default=None,
              help="Distil from a teacher: a .keras path, a built-in architecture name (trained first) "
                   "or 'self' (the uncompressed MODEL).")
@click.option("--epochs", type=click.IntRange(1), default=DEFAULT_EPOCHS, show_default=True, help="Fine-tuning epochs per step.")
@click.option("--learning-rate", type=POSITIVE, default=DEFAULT_LEARNING_RATE, show_default=True,
              help="Peak Adam learning rate of the fine-tuning (cosine decay over all its steps; QAT uses a tenth).")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the fine-tuning and calibration.")
@output_option(Path("runs/compress"), path_type=Path,
               help="Output folder (model_compressed.keras, model_float.tflite, model_int8.tflite, report.json).")
@json_flag("the report", " (progress goes to stderr)")
def compress_command(model, data, fps, sparsity, structured, criterion, qat, teacher, epochs, learning_rate, seed, out_dir,
                     as_json):
    """Prune, fine-tune and quantize MODEL to full int8; print the compression report.

    MODEL is a .keras or .h5 (tf-keras or Keras 3), a SavedModel folder or a float
    .tflite; the last two (unless Keras wrote the SavedModel) are quantized only."""
    from tinyvid.compress import compress

    with contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext():
        report = compress(model, data, fps=fps, sparsity=sparsity, structured=structured, qat=qat, teacher=teacher,
                          epochs=epochs, learning_rate=learning_rate, seed=seed, out_dir=out_dir, progress=True,
                          criterion=criterion)
    click.echo(report.to_json() if as_json else report.format_table())


COMMANDS: list = [compress_command]
