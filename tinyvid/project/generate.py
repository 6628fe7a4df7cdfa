"""Generates a firmware project for a board from a model."""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from tinyvid import __version__
from tinyvid.boards import Board, load_board
from tinyvid.codegen.cnames import validate_prefix
from tinyvid.codegen.targets import target_for_core
from tinyvid.errors import ProjectError, UsageError
from tinyvid.paths import check_output_dir
from tinyvid.project.conversions import CONVERSIONS, default_conversion
from tinyvid.project.manifest import MANIFEST_NAME, copy_board, write_manifest
from tinyvid.project.model_header import ModelInfo, check_one_input, read_model_header, source_sha256
from tinyvid.project.templates import render_platform

PROFILE = "ulp-mlperf"
_MODEL_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@dataclass(frozen=True)
class Project:
    path: Path
    board: Board
    model: ModelInfo
    model_id: str
    conversion: str
    manifest: dict

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST_NAME


def generate_project(
    model_path: str | Path,
    board: str | Path | Board,
    out_dir: str | Path,
    *,
    model_id: str | None = None,
    conversion: str | None = None,
    prefix: str = "model",
    kernels: str | None = None,
    optimize: str | None = None,
    detect: bool | None = None,
    detect_threshold: float | None = None,
    stream_buffers: int | None = None,
) -> Project:
    """Writes a firmware project for ``board`` into ``out_dir``.

    ``model_path`` is an int8 ``.tflite`` (compiled to C with ``tinyvid.codegen``)
    or a folder that already holds a generated model (``<prefix>.h`` and ``.c``).
    ``model_id`` is what ``profile%`` answers (vww01, ic01, kws01, ad01 or your
    own; guessed from the input shape when not given); ``conversion`` how input
    files become the model's int8 input (``int8``, ``uint8`` = u8 - 128,
    ``float32`` = quantized with the input scale and zero point; by default the
    one of the model id). ``kernels`` overrides the kernel target the board's core
    picks (``c``, ``dsp``, ``mve``); ``optimize`` is ``speed`` or ``size`` (default:
    speed when its weights fit the board's flash with room for the firmware, else size).
    ``detect``: decode the output heat map into centroids on the board (``tv_detect.c``,
    ``m-tv-detections`` after each ``tv-infer``); None does it for a ``.tflite`` whose
    output is a per-cell softmax heat map; ``detect_threshold`` is its score threshold
    (a probability, default 0.5). ``stream_buffers``: 2 gives the firmware a second
    frame buffer (one input's bytes of RAM) so that ``tinyvid stream --overlap``
    receives a frame while the last one runs, 1 leaves it out; default: 2 when it
    fits the board's RAM with :data:`FIRMWARE_RAM_RESERVE` to spare, else 1.
    """
    if stream_buffers not in (None, 1, 2):
        raise UsageError(f"--stream-buffers {stream_buffers}: a firmware has 1 or 2 frame buffers",
                         "use 2 to stream with --overlap, 1 to save the second buffer's RAM")
    board = board if isinstance(board, Board) else load_board(board)
    model_path = Path(model_path)
    out_dir = Path(out_dir)
    validate_prefix(prefix)
    if model_id is not None and not _MODEL_ID.match(model_id):
        raise UsageError(f"model id '{model_id}' is not valid", "use up to 32 letters, digits, '.', '_' or '-' (e.g. vww01)")
    if conversion is not None and conversion not in CONVERSIONS:
        raise UsageError(f"unknown input conversion '{conversion}'", f"use one of: {', '.join(CONVERSIONS)}")
    check_output_dir(out_dir)
    fresh = not out_dir.exists() or not any(out_dir.iterdir())
    _prepare_out_dir(out_dir)
    try:
        return _generate(model_path, board, out_dir, model_id, conversion, prefix, kernels, optimize, detect,
                         detect_threshold, stream_buffers)
    except BaseException:
        # Leave no half-written project behind (it would block the next attempt).
        if fresh:
            shutil.rmtree(out_dir, ignore_errors=True)
        else:
            shutil.rmtree(out_dir / "model", ignore_errors=True)
        raise


def _generate(model_path: Path, board: Board, out_dir: Path, model_id, conversion, prefix: str,
              kernels: str | None = None, optimize: str | None = None, detect: bool | None = None,
              detect_threshold: float | None = None, stream_buffers: int | None = None) -> Project:
    model_dir = out_dir / "model"
    target = kernels or target_for_core(board.core)
    sha256, info, optimize, tflm_arena = _emit_model(model_path, model_dir, prefix, target, optimize,
                                                     board.memory.flash_bytes)
    model_id = model_id or _guess_model_id(info)
    conversion = conversion or default_conversion(model_id, info.input.scale, info.input.zero_point)
    results_mse = model_id == "ad01"
    if results_mse and info.output.bytes != info.input.bytes:
        raise ProjectError(
            f"model id ad01 prints the reconstruction error, but the output ({info.output.bytes} values) "
            f"differs from the input ({info.input.bytes} values)",
            "use ad01 only for an autoencoder, or choose another --model-id",
        )
    detector = _detector(model_path, info, detect, detect_threshold)
    file_bytes = info.input.bytes * (4 if conversion == "float32" else 1)
    if stream_buffers is None:
        needed = info.arena_bytes + 2 * file_bytes + board.memory.stack_bytes + FIRMWARE_RAM_RESERVE
        stream_buffers = 2 if not board.memory.ram_bytes or needed <= board.memory.ram_bytes else 1  # 0: unbounded

    context = {
        "detector": detector,
        "stream_buffers": stream_buffers,
        "board": board,
        "model": {**info.to_json(), "path_name": model_path.name},
        "model_id": model_id,
        "model_hash": sha256[:16],
        "conversion": conversion,
        "results_mse": results_mse,
        "prefix": prefix,
        "macro": prefix.upper(),
        "dut_name": f"tinyvid-{board.name}",
        "profile": PROFILE,
        "version": __version__,
    }
    origin = f"{__version__} for board {board.name} from {model_path.name}"
    render_platform(board.template, context, out_dir, origin)

    manifest = {
        "tinyvid_version": __version__,
        **copy_board(board, out_dir),
        "kernels": target,
        "optimize": optimize,
        "tflm_arena_bytes": tflm_arena,
        "tflite_bytes": model_path.stat().st_size if model_path.is_file() else None,
        "model": {"path": str(model_path.resolve()), "sha256": sha256, "prefix": prefix, "dir": "model"},
        "model_id": model_id,
        "conversion": conversion,
        "profile": PROFILE,
        "results": "mse" if results_mse else "dequantized",
        "input": {**_tensor_json(info.input), "file_bytes": file_bytes},
        "output": _tensor_json(info.output),
        "arena_bytes": info.arena_bytes,
        "macs": info.macs,
        "stream_buffers": stream_buffers,
        **({"detector": detector} if detector else {}),
        "firmware": "build/firmware" if board.is_host else "build/firmware.elf",
    }
    write_manifest(out_dir, manifest)
    return Project(out_dir, board, info, model_id, conversion, manifest)


def _detector(model_path: Path, info: ModelInfo, detect: bool | None, threshold: float | None) -> dict | None:
    from tinyvid.detect.firmware import detector_settings, ends_in_heatmap, recorded_threshold

    if detect is False or (detect is None and not ends_in_heatmap(model_path)):
        if threshold is not None:
            raise UsageError(f"a detection threshold was given, but {model_path.name} is not a detector (its output "
                             "is not a per-cell softmax heat map)", "leave out --detect-threshold for this model")
        return None
    if threshold is None:
        threshold = recorded_threshold(model_path)  # the one compress scored the detector at
    return detector_settings(info.output.shape, info.output.scale, info.output.zero_point,
                             **({"threshold": threshold} if threshold is not None else {}))


def _tensor_json(tensor) -> dict:
    return {
        "shape": list(tensor.shape),
        "bytes": tensor.bytes,
        "scale": tensor.scale,
        "zero_point": tensor.zero_point,
    }


def _prepare_out_dir(out_dir: Path) -> None:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ProjectError(f"{out_dir} exists and is not a folder", "choose another output folder with -o")
        if any(out_dir.iterdir()) and not (out_dir / MANIFEST_NAME).is_file():
            raise ProjectError(
                f"{out_dir} is not empty and is not a tinyvid project",
                "choose an empty or new folder with -o (tinyvid only overwrites its own projects)",
            )
        for stale in ("model", "build"):
            shutil.rmtree(out_dir / stale, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)


#: flash kept free for the firmware's code and data beside the weights when choosing --optimize
FIRMWARE_FLASH_RESERVE = 64 * 1024
#: RAM kept free beside the arena, the input buffer and the stack when choosing --stream-buffers
FIRMWARE_RAM_RESERVE = 16 * 1024


def _emit_model(model_path: Path, model_dir: Path, prefix: str, target: str = "c", optimize: str | None = None,
                flash_bytes: int | None = None) -> tuple[str, ModelInfo, str | None, int | None]:
    """Puts the model's C into ``model_dir``; returns the sha256 of the model (of the .tflite, also
    for a folder 'tinyvid emit' wrote; else of the C sources), what the C holds, the optimization
    used and the arena TFLM would need for the same model (None when not known)."""
    if model_path.is_dir():
        header = model_path / f"{prefix}.h"
        if not header.is_file():
            raise ProjectError(
                f"{model_path} holds no generated model {prefix}.h",
                "give an int8 .tflite file or the folder 'tinyvid emit' wrote",
            )
        model_dir.mkdir(parents=True)
        digest = hashlib.sha256()
        for source in sorted(model_path.iterdir()):
            if source.suffix in (".c", ".h") and source.is_file():
                shutil.copy2(source, model_dir / source.name)
                digest.update(source.name.encode() + b"\0" + source.read_bytes())
        info = read_model_header(model_dir / f"{prefix}.h", prefix)
        check_one_input(info.num_inputs, info.num_outputs)
        return source_sha256(header) or digest.hexdigest(), info, None, None
    if not model_path.is_file():
        raise ProjectError(f"model {model_path} not found", "give the path of an int8 .tflite model")
    from tinyvid.codegen import emit

    chosen = optimize or "speed"
    result = emit(model_path, model_dir, prefix=prefix, target=target, optimize=chosen)
    if optimize is None and flash_bytes and result.weights_bytes + FIRMWARE_FLASH_RESERVE > flash_bytes:
        chosen = "size"
        result = emit(model_path, model_dir, prefix=prefix, target=target, optimize=chosen)
    return hashlib.sha256(model_path.read_bytes()).hexdigest(), ModelInfo.from_emit(result), chosen, \
        result.tflm_arena_bytes


def _guess_model_id(info: ModelInfo) -> str:
    shape = tuple(info.input.shape)
    if shape[-3:] == (96, 96, 3):
        return "vww01"
    if shape[-3:] == (32, 32, 3):
        return "ic01"
    if shape[-3:] == (49, 10, 1):
        return "kws01"
    if shape == (1, 640):
        return "ad01"
    return "tinyvid01"
