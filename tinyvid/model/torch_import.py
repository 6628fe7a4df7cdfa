"""PyTorch models to a float ``.tflite`` with litert-torch (Google's maintained
PyTorch -> LiteRT converter): an ``nn.Module`` with an example input, or a
``torch.export`` ExportedProgram saved with ``torch.export.save`` (``.pt2``).

PyTorch images are NCHW; tinyvid's are NHWC (a board is fed rows of pixels). The
module is wrapped with litert-torch's channel-last input (and, for a rank-4 output
such as a heat map, output) so that the ``.tflite`` takes ``1 x H x W x C`` frames,
and litert-torch's layout pass runs the convolutions NHWC without a TRANSPOSE
between layers. The float ``.tflite`` then takes the path of every float model:
``tinyvid compress`` quantizes it to int8 (:func:`tinyvid.model.convert.quantize_tflite`).

Weights zeroed in PyTorch (``torch.nn.utils.prune``, made permanent with
``prune.remove``) stay exact zeros through the conversion and the int8
quantization, so they show as sparsity in the compression report; channels that a
structured pruning removed are simply not in the graph, so its MACs are smaller.

PyTorch is the optional extra ``tinyvid[torch]`` (pyproject.toml pins the CPU wheel
``torch==2.13.0`` and the converter).
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from pathlib import Path

import numpy as np

from tinyvid.errors import ModelError
from tinyvid.model.convert import first_line, run_converter

_PROGRESS_ENV = "LITERT_TORCH_SHOW_PROGRESS"
INSTALL_HINT = ("install the PyTorch extra: pip install 'tinyvid[torch]' (from a checkout: pip install '.[torch]'; "
                "the CPU wheel torch==2.13.0 and litert-torch)")


def _require():
    """``(torch, litert_torch)``, or one ModelError naming the install command."""
    try:
        import torch
    except ImportError as exc:
        raise ModelError("PyTorch models need torch, which is not installed", INSTALL_HINT) from exc
    try:
        from tinyvid import _tf

        with _tf.quiet_native_stderr(), _quiet():
            import litert_torch
    except ImportError as exc:
        raise ModelError(f"PyTorch models need litert-torch, which is not installed ({first_line(exc)[:120]})",
                         INSTALL_HINT) from exc
    return torch, litert_torch


def _as_tensor(torch, example_input):
    if isinstance(example_input, (tuple, list)):
        if len(example_input) != 1:
            raise ModelError(f"the model takes {len(example_input)} inputs; tinyvid handles one image input",
                             "export a model with a single image input")
        example_input = example_input[0]
    tensor = torch.as_tensor(np.asarray(example_input, dtype=np.float32) if not torch.is_tensor(example_input)
                             else example_input).float()
    if tensor.dim() != 4 or tensor.shape[0] != 1:
        raise ModelError(f"the example input has shape {tuple(tensor.shape)}, not one NCHW image (1, C, H, W)",
                         "pass an example input such as torch.zeros(1, 3, 96, 96)")
    return tensor


def module_to_tflite(module, example_input) -> bytes:
    """The float ``.tflite`` of ``module`` (an ``nn.Module`` or the module of an
    ExportedProgram) for one NCHW ``example_input`` of shape ``(1, C, H, W)``; the
    ``.tflite`` takes the same image NHWC, ``(1, H, W, C)``."""
    torch, litert_torch = _require()
    example = _as_tensor(torch, example_input)
    toggle = hasattr(module, "eval") and not _is_exported_module(module)  # an exported module cannot
    was_training = toggle and module.training
    if toggle:
        module.eval()  # batch norm with its running statistics, no dropout: the model as deployed
    try:
        with torch.no_grad(), _quiet():
            try:
                output = module(example)
            except Exception as exc:  # noqa: BLE001 - the user's forward raises anything
                raise ModelError(f"the model does not run on the example input {tuple(example.shape)}: "
                                 f"{first_line(exc)[:200]}",
                                 "pass an example input of the shape the model takes, (1, C, H, W)") from exc
        if isinstance(output, (tuple, list)):
            output = output[0]
        outputs = [0] if getattr(output, "dim", lambda: 0)() == 4 else []
        wrapped = litert_torch.to_channel_last_io(module, args=[0], outputs=outputs)
        wrapped.training = False  # the wrapper alone: an exported module refuses eval(), and is traced already
        nhwc = example.permute(0, 2, 3, 1).contiguous()
        try:
            with _quiet_progress(), _quiet():
                edge = run_converter(lambda: litert_torch.convert(wrapped, (nhwc,)).model_content())
        except Exception as exc:  # noqa: BLE001 - torch.export and the converter raise anything
            raise ModelError(f"litert-torch cannot convert the model: {first_line(exc)[:200]}",
                             "use layers that torch.export traces and LiteRT has builtin operators for "
                             "(Conv2d, BatchNorm2d, ReLU/ReLU6, pooling, Linear, ...)") from exc
    finally:
        if was_training:
            module.train()
    return edge


@contextlib.contextmanager
def _quiet_progress():
    """litert-torch without its progress lines on stdout (it reads the variable on each task)."""
    before = os.environ.get(_PROGRESS_ENV)
    os.environ[_PROGRESS_ENV] = "n"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(_PROGRESS_ENV, None)
        else:
            os.environ[_PROGRESS_ENV] = before


@contextlib.contextmanager
def _quiet():
    """PyTorch's and litert-torch's deprecation chatter (warnings and log lines about
    their own internals) kept off the user's terminal; errors still raise."""
    loggers = [logging.getLogger(name) for name in ("torch", "torchao", None)]  # None: the root logger
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _is_exported_module(module) -> bool:
    return type(module).__name__ in ("GraphModule", "_UnliftedGraphModule") or hasattr(module, "_exported_program")


def exported_program_to_tflite(path) -> bytes:
    """The float ``.tflite`` of a ``torch.export`` ExportedProgram saved with
    ``torch.export.save(program, "model.pt2")``; its example input (saved with it) or
    the shape of its input gives the image size."""
    torch, _ = _require()
    p = Path(path)
    hint = "save it with torch.export.save(torch.export.export(model.eval(), (torch.zeros(1, C, H, W),)), 'model.pt2')"
    try:
        with _quiet():
            program = torch.export.load(str(p))
    except Exception as exc:  # noqa: BLE001 - a corrupt or foreign file raises anything
        raise ModelError(f"cannot load {p.name} as a torch.export ExportedProgram: {first_line(exc)[:200]}", hint) from exc
    return module_to_tflite(program.module(), _example_of(torch, program, p, hint))


def _example_of(torch, program, path: Path, hint: str):
    example = getattr(program, "example_inputs", None)
    if example:
        args = example[0] if isinstance(example, tuple) and len(example) == 2 and isinstance(example[1], dict) else example
        if len(args) == 1 and torch.is_tensor(args[0]):
            return torch.zeros_like(args[0], dtype=torch.float32)
    shapes = []
    for spec in program.graph_signature.input_specs:
        if spec.kind.name != "USER_INPUT":
            continue
        node = next((n for n in program.graph.nodes if n.name == spec.arg.name), None)
        value = node.meta.get("val") if node is not None else None
        shapes.append(tuple(value.shape) if value is not None else None)
    if len(shapes) != 1:
        raise ModelError(f"{path.name} takes {len(shapes)} inputs; tinyvid handles one image input", hint)
    if shapes[0] is None or not all(isinstance(d, int) for d in shapes[0]):
        raise ModelError(f"{path.name} has no fixed input shape", hint)
    return torch.zeros(shapes[0])
