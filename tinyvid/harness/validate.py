"""``validate``: does the board compute what the host reference computes?

Each input goes to the board (``tv-load`` + ``tv-infer`` when the board has the
extensions, else ``db`` + ``infer 1 0``), and its raw int8 output is compared with
tflite-micro on the host: bit-exact count, largest difference in LSBs, top-1
agreement, and accuracy on the board against the labels. If the board dies
mid-run the results gathered so far are kept and the error is reported beside them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinyvid.errors import ModelMismatchError, TinyvidError, UsageError
from tinyvid.processes import interrupt_name
from tinyvid.harness.client import BoardInfo, BoardReset, DutClient, OutOfStep
from tinyvid.harness.inputs import InputFormat, Sample, quantize, to_model_tensor

Reference = Callable[[bytes], bytes]


@dataclass(frozen=True)
class SampleResult:
    name: str
    label: int | None
    board_output: bytes | None  # raw int8 output, when the board gives it or it can be recovered
    board_top1: int
    reference_output: bytes | None = None
    board_detections: str | None = None  # a detector board's m-tv-detections body
    reference_detections: str | None = None  # the host decoding of the reference output

    @property
    def detections_equal(self) -> bool | None:
        if self.board_detections is None or self.reference_detections is None:
            return None
        return self.board_detections == self.reference_detections

    @property
    def max_lsb(self) -> int | None:
        if self.board_output is None or self.reference_output is None:
            return None
        a = np.frombuffer(self.board_output, np.int8).astype(np.int16)
        b = np.frombuffer(self.reference_output, np.int8).astype(np.int16)
        if a.shape != b.shape:
            return 256
        return int(np.max(np.abs(a - b))) if a.size else 0

    @property
    def exact(self) -> bool | None:
        lsb = self.max_lsb
        return None if lsb is None else lsb == 0

    @property
    def reference_top1(self) -> int | None:
        if self.reference_output is None:
            return None
        return int(np.argmax(np.frombuffer(self.reference_output, np.int8)))


@dataclass
class ValidationResult:
    """Per-sample results and their summary; ``error`` is set if the run stopped early."""

    board: str
    model: str
    requested: int
    samples: list[SampleResult] = field(default_factory=list)
    class_names: tuple[str, ...] = ()
    error: str | None = None
    error_type: str | None = None  # the class of the error that stopped the run
    stopped_by: str | None = None  # the signal (SIGINT, SIGTERM, SIGHUP), if one stopped it
    resets: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.samples)

    @property
    def partial(self) -> bool:
        return self.error is not None or self.count < self.requested

    def _compared(self) -> list[SampleResult]:
        return [s for s in self.samples if s.exact is not None]

    @property
    def bit_exact(self) -> int | None:
        compared = self._compared()
        return sum(s.exact for s in compared) if compared else None

    @property
    def compared(self) -> int:
        return len(self._compared())

    @property
    def max_lsb(self) -> int | None:
        compared = self._compared()
        return max(s.max_lsb for s in compared) if compared else None

    @property
    def differing(self) -> int:
        """Inputs whose board output, or the detections the board decoded from it, differ
        from the host reference's."""
        return sum(not s.exact or s.detections_equal is False for s in self._compared())

    @property
    def top1_agreement(self) -> float | None:
        pairs = [s for s in self.samples if s.reference_top1 is not None]
        return sum(s.board_top1 == s.reference_top1 for s in pairs) / len(pairs) if pairs else None

    @property
    def detections_compared(self) -> int:
        return sum(s.detections_equal is not None for s in self.samples)

    @property
    def detections_equal(self) -> int | None:
        """Inputs whose on-board detections are the host's decoding of the reference output."""
        if not self.detections_compared:
            return None
        return sum(bool(s.detections_equal) for s in self.samples if s.detections_equal is not None)

    @property
    def labelled(self) -> int:
        return sum(s.label is not None for s in self.samples)

    @property
    def accuracy(self) -> float | None:
        labelled = [s for s in self.samples if s.label is not None]
        return sum(s.board_top1 == s.label for s in labelled) / len(labelled) if labelled else None

    @property
    def reference_accuracy(self) -> float | None:
        labelled = [s for s in self.samples if s.label is not None and s.reference_top1 is not None]
        return sum(s.reference_top1 == s.label for s in labelled) / len(labelled) if labelled else None

    def metrics(self) -> dict[str, float]:
        out: dict[str, float] = {}
        if self.compared:
            out["bit_exact"] = self.bit_exact / self.compared
            out["max_lsb"] = float(self.max_lsb)
        if self.top1_agreement is not None:
            out["top1_agreement"] = self.top1_agreement
        if self.detections_compared:
            out["detections_equal"] = self.detections_equal / self.detections_compared
        if self.accuracy is not None:
            out["accuracy"] = self.accuracy
        return out

    def to_dict(self) -> dict:
        return {
            "board": self.board, "model": self.model, "requested": self.requested, "count": self.count,
            "partial": self.partial, "error": self.error, "resets": self.resets,
            "compared": self.compared, "bit_exact": self.bit_exact, "differing": self.differing,
            "max_lsb": self.max_lsb,
            "detections_compared": self.detections_compared, "detections_equal": self.detections_equal,
            "top1_agreement": self.top1_agreement, "labelled": self.labelled, "accuracy": self.accuracy,
            "reference_accuracy": self.reference_accuracy, "class_names": list(self.class_names),
            "notes": self.notes,
            "samples": [
                {"name": s.name, "label": s.label, "board_top1": s.board_top1, "reference_top1": s.reference_top1,
                 "max_lsb": s.max_lsb, "exact": s.exact,
                 "board_output": s.board_output.hex() if s.board_output is not None else None,
                 "reference_output": s.reference_output.hex() if s.reference_output is not None else None,
                 **({"board_detections": s.board_detections, "reference_detections": s.reference_detections}
                    if s.board_detections is not None or s.reference_detections is not None else {})}
                for s in self.samples
            ],
        }


@dataclass(frozen=True)
class ExpectedModel:
    """What the host knows of the model a board should run, to check its
    ``tv-info`` against: from a ``.tflite`` or from a project's manifest."""

    name: str
    sha256: str | None = None
    input_bytes: int | None = None  # bytes of the input buffer, in the board's file format
    input_shape: tuple[int, ...] | None = None
    output_bytes: int | None = None
    arena_bytes: int | None = None
    macs: int | None = None

    @property
    def hash(self) -> str:
        """The first 16 hex digits of the sha256, as the firmware reports it."""
        return (self.sha256 or "")[:16]

    @classmethod
    def from_tflite(cls, path: str | Path, conversion: str) -> "ExpectedModel":
        from tinyvid.model.reader import load_graph

        graph = load_graph(Path(path))
        inp, out = graph.tensors[graph.inputs[0]], graph.tensors[graph.outputs[0]]
        elements = int(np.prod(inp.shape))
        return cls(str(path), hashlib.sha256(Path(path).read_bytes()).hexdigest(),
                   input_bytes=elements * (4 if conversion == "float32" else 1), input_shape=tuple(inp.shape),
                   output_bytes=int(np.prod(out.shape)))

    @classmethod
    def from_manifest(cls, manifest: dict, project: str = "the project") -> "ExpectedModel":
        model, inp, out = manifest.get("model") or {}, manifest.get("input") or {}, manifest.get("output") or {}
        return cls(f"the model of {project}", model.get("sha256"), input_bytes=inp.get("file_bytes"),
                   input_shape=tuple(inp["shape"]) if inp.get("shape") else None, output_bytes=out.get("bytes"),
                   arena_bytes=manifest.get("arena_bytes"), macs=manifest.get("macs"))


def check_firmware(info: BoardInfo, expected: ExpectedModel) -> list[str]:
    """Refuses a board whose ``tv-info`` (model hash, sizes, MACs, arena) says its
    firmware was not built from ``expected``; returns notes on what was checked."""
    facts = [("input bytes", info.input_bytes, expected.input_bytes),
             ("input shape", tuple(info.input_shape), expected.input_shape),
             ("output bytes", info.output_bytes, expected.output_bytes),
             ("arena bytes", info.arena_bytes, expected.arena_bytes),
             ("MACs", info.macs, expected.macs)]
    differences = tuple(f"{what} {board} on the board, {host} in {expected.name}"
                        for what, board, host in facts if host is not None and board and board != host)
    board_hash, model_hash = info.model_hash, expected.hash
    if (board_hash and model_hash and board_hash != model_hash) or differences:
        hashes = f"model hash {board_hash or '(none reported)'} on the board, {model_hash or '(unknown)'} in {expected.name}"
        raise ModelMismatchError(
            f"the board's firmware was not built from {expected.name}: " + "; ".join((hashes, *differences)),
            "give --model with the .tflite the board's firmware was built from, or rebuild the firmware "
            "for this model ('tinyvid project MODEL --board BOARD -o DIR', then validate --project DIR)",
            board_hash=board_hash, model_hash=model_hash, differences=differences)
    if board_hash and model_hash:
        return []
    why = ("the firmware reports no model hash (built by an older tinyvid)" if not board_hash
           else f"the hash of {expected.name} is not known")
    return [f"{why}: only its sizes were checked against {expected.name}"]


def host_reference(info: BoardInfo | None, model: str | Path | None, fmt: InputFormat, *,
                   manifest: dict | None = None, required: bool = True) -> tuple[Reference | None, list[str]]:
    """The host reference for a board, after checking that the board runs that model.

    ``model`` is the int8 ``.tflite`` the board should run; ``manifest`` that of its
    project, when the board was launched from one. With ``required`` a missing
    reference is an error: a validation that compares nothing is no validation."""
    if not required:
        if model is not None:
            raise UsageError("--model and --no-reference contradict each other",
                             "leave out --no-reference to compare with the model, or --model to score accuracy only")
        return None, []
    if model is None:
        raise UsageError("there is nothing to compare the board's outputs with: no host reference model",
                         "give --model MODEL.tflite (the int8 .tflite the board runs), or --no-reference to "
                         "score accuracy only")
    notes = []
    if info is None:
        notes.append(f"the board has no tv- extensions: it cannot say whether it runs {model}")
    else:
        if manifest:
            notes += check_firmware(info, ExpectedModel.from_manifest(manifest))
        notes += check_firmware(info, ExpectedModel.from_tflite(model, fmt.conversion))
    return tflm_reference(model, fmt), sorted(set(notes))


def tflm_reference(model, fmt: InputFormat) -> Reference:
    """The host reference: tflite-micro on the int8 tensor the board would see (through the
    model's float or uint8 boundary, if it has one: :mod:`tinyvid.codegen.boundary`)."""
    from tinyvid.codegen.boundary import strip_float_io, to_c_outputs, to_model_inputs
    from tinyvid.model.reader import load_graph
    from tinyvid.model.reference import tflm_invoke

    original = load_graph(model)
    graph = strip_float_io(original)

    def run(data: bytes) -> bytes:
        outs = tflm_invoke(original.model_bytes, to_model_inputs(original, graph, [to_model_tensor(data, fmt)]))
        return np.asarray(to_c_outputs(original, graph, outs)[0], np.int8).reshape(-1).tobytes()

    return run


def _recover_int8(results: Sequence[float], scale: float, zero_point: int) -> bytes | None:
    """The raw int8 output behind printed ``%0.3f`` results, when the print is fine
    enough to recover it (output scale above 0.001)."""
    if not scale or scale <= 0.001:
        return None
    return quantize(np.asarray(results, np.float32), scale, zero_point).tobytes()


def _run_sample(client: DutClient, sample: Sample, output_quant: tuple[float, float] | None):
    output = client.run_input(sample.data)
    if isinstance(output, bytes):
        return output, int(np.argmax(np.frombuffer(output, np.int8)))
    top1 = int(np.argmax(output)) if output else -1
    raw = _recover_int8(output, *output_quant) if output_quant else None
    return raw, top1


def reference_detections(detector: dict | None, output: bytes | None) -> str | None:
    """The host's decoding of an int8 heat map with the firmware's settings (the
    project manifest's ``detector``), as the board prints it."""
    if detector is None or output is None:
        return None
    from tinyvid.detect.decode import decode_heatmap, detections_text

    heat = np.frombuffer(output, np.int8)
    shape = (int(detector["rows"]), int(detector["cols"]), int(detector["classes"]))
    if heat.size != shape[0] * shape[1] * shape[2]:
        return None
    dets, count = decode_heatmap(heat.reshape(shape), int(detector["threshold"]), max_detections=int(detector["max"]))
    return detections_text(dets, count)


def validate(client: DutClient, samples: Iterable[Sample], *, reference: Reference | None = None,
             class_names: Sequence[str] = (), output_quant: tuple[float, int] | None = None,
             requested: int | None = None, progress: bool = False, detector: dict | None = None) -> ValidationResult:
    """Run every sample on the board and compare with ``reference``.

    ``output_quant`` (scale, zero point) recovers raw outputs from a board without
    the ``tv-`` extensions; with the extensions it comes from ``tv-info``. A board
    that resets or answers out of step is resynchronised and the sample retried
    once; any other failure ends the run, keeping the results so far and the error
    message. ``detector`` (a project manifest's) decodes the reference output as the
    board's ``tv_detect.c`` does, to compare with the detections the board prints.
    """
    from tqdm import tqdm

    if requested is None:
        requested = len(samples) if hasattr(samples, "__len__") else 0
    info = None
    result = ValidationResult(board="", model="", requested=requested, class_names=tuple(class_names))
    if reference is None:
        result.notes.append("no host reference: outputs not compared, only accuracy scored")
    try:
        info = client.tv_info()
        result.board = (info.board if info else "") or client.name()
        result.model = info.model if info else client.model_id()
        if info is not None:
            output_quant = (info.output_scale, info.output_zero_point)
    except TinyvidError as exc:
        result.error = exc.message
        return result
    for sample in tqdm(samples, desc="validate", unit="input", total=requested or None,
                       disable=not progress, leave=False):
        try:
            try:
                raw, top1 = _run_sample(client, sample, output_quant)
            except (BoardReset, OutOfStep) as exc:
                # The link is back in step (the client resynchronised); the input
                # may be lost, so this sample runs once more from the start.
                if isinstance(exc, BoardReset):
                    result.resets += 1
                    client.resync()
                else:
                    result.notes.append(f"input {sample.name} retried: {exc.message[:120]}")
                raw, top1 = _run_sample(client, sample, output_quant)
            expected = reference(sample.data) if reference is not None else None
        except TinyvidError as exc:  # the board, the link, the data or the host reference
            result.error = f"stopped at input {sample.name} ({result.count} of {result.requested} done): {exc.message}"
            result.error_type = type(exc).__name__
            break
        except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP: keep the results so far
            result.stopped_by, result.error_type = interrupt_name(exc), "Interrupted"
            result.error = (f"stopped at input {sample.name} ({result.count} of {result.requested} done): "
                            f"interrupted by {result.stopped_by}")
            break
        if info is None and raw is not None and expected is not None and len(raw) != len(expected):
            # A plain board prints what its model id asks for (ad01: one error value).
            if not any("not compared" in note for note in result.notes):
                result.notes.append(f"the board prints {len(raw)} result value(s) for the model's {len(expected)} "
                                    "outputs: outputs not compared")
            raw = None
        label = sample.label if detector is None else None  # a heat map has no top-1 class to score
        outputs = len(raw) if raw is not None else (len(expected) if expected is not None else None)
        if label is not None and class_names and outputs is not None and outputs != len(class_names):
            if not any("no accuracy is scored" in note for note in result.notes):
                result.notes.append(f"the data has {len(class_names)} classes but the model {outputs} outputs: "
                                    "its labels are not the model's, so no accuracy is scored")
            label = None
        board_dets = getattr(client, "last_detections", None) if isinstance(raw, bytes) else None
        result.samples.append(SampleResult(sample.name, label, raw, top1, expected, board_dets,
                                           reference_detections(detector, expected)))
    return result
