"""Sessions with a board: open one by port URL or by project, and the one-call
library functions behind ``tinyvid bench`` and ``tinyvid validate``.

A port is a pyserial URL (``/dev/ttyACM0``, ``socket://host:port``,
``rfc2217://host:port``, ``loop://``), ``auto`` (find the board's USB VID:PID), or
``exec:PATH`` (a host-board firmware binary spoken to over stdin/stdout). A project
is a folder made by ``tinyvid project``: it is built if needed, its emulated or
host board launched, measured and shut down.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tinyvid.errors import ModelError, ProjectError, TransportError, UsageError
from tinyvid.errors import Interrupted
from tinyvid.harness.client import DutClient
from tinyvid.harness.transport import Transport


def open_transport(port: str, *, board=None, baudrate: int | None = None) -> Transport:
    """The transport for a ``--port`` value (not opened yet)."""
    from tinyvid.build.ports import find_board_port
    from tinyvid.harness.process_link import ProcessTransport
    from tinyvid.harness.serial_link import SerialTransport

    if port.startswith("exec:"):
        return ProcessTransport([port[len("exec:"):]])
    if port == "auto":
        if board is None or not board.serial.usb_ids:
            raise UsageError("--port auto needs a board with USB ids in its board file",
                             hint="give --board NAME of an attached board, or --port with the device path")
        port = find_board_port(board)
    baud = baudrate or (board.serial.baud if board is not None else None) or 115200
    return SerialTransport(port, baudrate=baud)


def board_of_firmware(client: DutClient):
    """The board file the firmware names in ``tv-info``, if tinyvid knows it."""
    from tinyvid.boards import load_board
    from tinyvid.errors import BoardError

    info = client.tv_info()
    if info is None or not info.board:
        return None
    try:
        return load_board(info.board)
    except BoardError:
        return None


def read_manifest(project_dir: str | Path) -> dict:
    from tinyvid.project import load_manifest

    return load_manifest(project_dir)


def _get(mapping: dict, key: str, default=None):
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return default if value is None else value


def project_sizes(manifest: dict, build=None) -> dict:
    """Arena from the manifest; flash and RAM used from the build."""
    sizes = {"arena_bytes": manifest.get("arena_bytes"), "tflm_arena_bytes": manifest.get("tflm_arena_bytes"),
             "tflite_bytes": manifest.get("tflite_bytes")}
    if build is not None:
        sizes["flash_bytes"] = build.flash_used
        sizes["ram_bytes"] = build.ram_used
    return {k: int(v) for k, v in sizes.items() if v is not None}


def project_model(manifest: dict) -> Path | None:
    """The .tflite the project was generated from, if it is still there."""
    model = manifest.get("model")
    path = model.get("path") if isinstance(model, dict) else model
    if not path or not str(path).endswith(".tflite") or not Path(path).is_file():
        return None
    return Path(path)


def ensure_built(project_dir: Path):
    from tinyvid.build import build_project

    return build_project(project_dir)


def prepare_project(model: Path, board: str, out_dir: Path, *, conversion: str | None = None) -> Path:
    """Generate (or reuse) the project for ``model`` on ``board`` in ``out_dir``."""
    from tinyvid.project import generate_project

    kwargs = {"conversion": conversion} if conversion else {}
    generate_project(model, board=board, out_dir=out_dir, **kwargs)
    return Path(out_dir)


@dataclass
class BoardSession:
    """An open client plus what is known about the board and its firmware."""

    client: DutClient
    board: object | None = None
    manifest: dict = field(default_factory=dict)
    sizes: dict = field(default_factory=dict)
    model: Path | None = None
    running: object | None = None  # the launched board (tinyvid.build.RunningBoard), if any


def _logged(transport: Transport, record: str | Path | None) -> Transport:
    if record is None:
        return transport
    from tinyvid.harness.recording import RecordingTransport

    return RecordingTransport(transport, record)


@contextlib.contextmanager
def open_board(*, port: str | None = None, project: str | Path | None = None, board: str | None = None,
               line_timeout: float = 5.0, infer_timeout: float = 30.0,
               record: str | Path | None = None) -> Iterator[BoardSession]:
    """Open a session on ``port`` or on the launched board of ``project``;
    ``record`` logs every byte of it to that file (replayable in tests)."""
    from tinyvid.boards import load_board

    if (port is None) == (project is None):
        raise UsageError("give either a port or a project", hint="--port URL or --project DIR")
    board_obj = load_board(board) if board and port is not None else None
    if port is not None:
        transport = _logged(open_transport(port, board=board_obj), record)
        with DutClient(transport, line_timeout=line_timeout, infer_timeout=infer_timeout) as client:
            yield BoardSession(client, board_obj)
        return
    from tinyvid.build.launch import launch_board
    from tinyvid.project import project_board

    project_dir = Path(project)
    manifest = read_manifest(project_dir)
    if board and Path(str(board)).stem != manifest["board"]:
        raise ProjectError(f"{project_dir} is a project for {manifest['board']}, not {Path(str(board)).stem}",
                           hint=f"leave out --board (the project carries its board), or generate a project for {board}")
    board_obj = project_board(project_dir)
    build = ensure_built(project_dir)
    with launch_board(project_dir) as running:
        transport = _logged(open_transport(running.url, board=board_obj), record)
        with DutClient(transport, line_timeout=line_timeout, infer_timeout=infer_timeout) as client:
            yield BoardSession(client, board_obj, manifest, project_sizes(manifest, build),
                               project_model(manifest), running)


def bench_board(*, port: str | None = None, project: str | Path | None = None, board: str | None = None,
                windows: int = 5, iterations: int | None = None, warmup: int = 1, progress: bool = False,
                line_timeout: float = 5.0, infer_timeout: float = 30.0, record: str | Path | None = None,
                power: str | None = None):
    """``tinyvid bench``: open the board, bench it, close it; ``power`` a monitor
    spec (else the board file's ``[power] monitor``, else the estimate; ``none``: the estimate)."""
    from tinyvid.harness.bench import bench

    with open_board(port=port, project=project, board=board, line_timeout=line_timeout,
                    infer_timeout=infer_timeout, record=record) as session:
        macs = _get(session.manifest, "macs")
        if session.board is None:
            session.board = board_of_firmware(session.client)
        with _meter(power, session.board) as meter:
            return bench(session.client, windows=windows, iterations=iterations, warmup=warmup,
                         board=session.board, sizes=session.sizes, macs=int(macs) if macs else None,
                         progress=progress, meter=meter)


@contextlib.contextmanager
def _meter(power: str | None, board):
    """The opened energy meter of ``power`` or the board file's monitor, or None."""
    from tinyvid.power.monitor import EnergyMeter

    meter = EnergyMeter.for_board(power, board)
    if meter is None:
        yield None
        return
    with meter:
        yield meter


def validate_board(*, port: str | None = None, project: str | Path | None = None, board: str | None = None,
                   data: str = "synthetic", samples: int | None = 20, model: str | Path | None = None,
                   reference: bool = True, progress: bool = False, line_timeout: float = 5.0,
                   infer_timeout: float = 30.0, record: str | Path | None = None, fps: float | None = None):
    """``tinyvid validate``: run a data set through the board and the host reference
    (``reference=False``: no reference, accuracy only); ``fps``: frames sampled per
    second of video."""
    with open_board(port=port, project=project, board=board, line_timeout=line_timeout,
                    infer_timeout=infer_timeout, record=record) as session:
        return validate_session(session, data=data, samples=samples, model=model, reference=reference,
                                progress=progress, fps=fps)


def input_format(session: BoardSession, model: Path | None):
    """What the board's input buffer takes: from tv-info, else the manifest and model."""
    from tinyvid.harness.inputs import InputFormat
    from tinyvid.project.conversions import default_conversion

    info = session.client.tv_info()
    if info is not None and info.input_shape:
        return InputFormat(info.input_shape, info.conversion, info.input_scale, info.input_zero_point), \
            (info.output_scale, info.output_zero_point)
    if model is None:
        raise UsageError(
            "the board has no tv- extensions, so its input format is unknown",
            hint="give --model MODEL.tflite (and the project's conversion) so inputs can be prepared",
        )
    from tinyvid.model.reader import load_graph

    graph = load_graph(Path(model))
    inp, out = graph.tensors[graph.inputs[0]], graph.tensors[graph.outputs[0]]
    if inp.quantization is None or out.quantization is None or inp.dtype != "int8":
        raise ModelError(f"{model} is not a fully int8 model", hint="give the int8 .tflite the board runs")
    conversion = _get(session.manifest, "conversion") or default_conversion(
        session.client.model_id(), inp.quantization.scale, inp.quantization.zero_point)
    return (InputFormat(tuple(inp.shape), conversion, inp.quantization.scale, inp.quantization.zero_point),
            (out.quantization.scale, out.quantization.zero_point))


def validate_session(session: BoardSession, *, data: str = "synthetic", samples: int | None = 20,
                     model: str | Path | None = None, reference: bool = True, progress: bool = False,
                     seed: int = 0, fps: float | None = None):
    """Validate the board of an open session on ``samples`` inputs of ``data`` (a
    data set or class folder: its test split made with ``seed``) against ``model``
    (default: the project's), after checking that the board runs it."""
    from tinyvid.harness.inputs import load_samples
    from tinyvid.harness.validate import host_reference, validate

    model_path = Path(model) if model else (session.model if reference else None)
    fmt, output_quant = input_format(session, model_path)
    host, notes = host_reference(session.client.tv_info(), model_path, fmt, manifest=session.manifest,
                                 required=reference)
    inputs = load_samples(data, fmt, count=samples, seed=seed, fps=fps)
    result = validate(session.client, inputs.samples, reference=host, class_names=inputs.class_names,
                      output_quant=output_quant, requested=len(inputs.samples), progress=progress,
                      detector=session.manifest.get("detector"))
    result.notes[:0] = [f"inputs: {inputs.origin}", *notes]
    if reference and result.count and not result.compared and result.error is None:
        raise UsageError(f"none of the {result.count} board outputs could be compared with {model_path}: "
                         + "; ".join(result.notes), "pass --no-reference to score accuracy only")
    return result


def _raise_if_stopped(what: str, result) -> None:
    """A suite case is whole or an error: a bench or validation that stopped early
    raises (a signal as :class:`~tinyvid.errors.Interrupted`, so the suite stops)."""
    if result.stopped_by:
        raise Interrupted(signal.Signals[result.stopped_by])
    if result.error:
        raise TransportError(f"{what} stopped: {result.error}")


def measure_project(project: Path, *, windows: int = 3, iterations: int | None = None, warmup: int = 1,
                    data: str = "synthetic", samples: int = 10, power: str | None = None) -> dict:
    """Bench and validate a project on its launched board: the metrics of a suite
    case (``power``: a monitor spec, else the board file's, else the estimate)."""
    from tinyvid.harness.bench import bench

    with open_board(project=project) as session:
        macs = _get(session.manifest, "macs")
        with _meter(power, session.board) as meter:
            result = bench(session.client, windows=windows, iterations=iterations, warmup=warmup,
                           board=session.board, sizes=session.sizes, macs=int(macs) if macs else None, meter=meter)
        _raise_if_stopped("bench", result)
        metrics: dict = dict(result.metrics())
        notes = list(result.notes)
        if result.energy_source:
            metrics["energy_source"] = result.energy_source
            metrics["average_power_mw"] = result.average_power_mw
            notes.append(f"energy: {result.energy_basis}")
        if samples:
            checked = validate_session(session, data=data, samples=samples)
            _raise_if_stopped("validation", checked)
            metrics.update(checked.metrics())
        metrics["notes"] = notes
        return metrics
