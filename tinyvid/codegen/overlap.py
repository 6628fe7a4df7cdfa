"""When an operator's output may share bytes with its input: the smallest safe offset.

A kernel that walks its output pixels in row-major order, reads only the window of
the pixels it is computing and writes only their bytes, may place its output
``d`` bytes *before* its input (output at ``I - d``, input at ``I``) as soon as no
write can reach an input byte that a later pixel still reads. That is what
:func:`pixel_order_delta` computes, exactly, from the shapes: for every block of
``block`` pixels computed together, the end of its writes must stay below the
earliest input byte that block or any later one reads. The planner
(:mod:`tinyvid.codegen.planner`) then places the pair as one buffer of
``max(out_bytes, d + in_bytes)`` bytes instead of ``out_bytes + in_bytes``.

A 1x1 convolution that doubles its channels needs ``d = out_bytes - in_bytes`` (its
input sits at the tail of its output); a 3x3 one with equal channels about one
row plus two pixels; an elementwise operator 0 (in place).
"""

from __future__ import annotations


def pixel_order_delta(in_hw: tuple[int, int], in_c: int, out_hw: tuple[int, int], out_c: int,
                      stride: tuple[int, int] = (1, 1), pad: tuple[int, int] = (0, 0), block: int = 1) -> int:
    """The least ``d`` (bytes, input offset minus output offset) that is safe for a kernel
    computing ``block`` output pixels at a time in row-major order (batch 1).

    ``pad`` are the top and left padding offsets (TFLM's ``padding.height/width``):
    output pixel (r, x) reads input rows from ``r * stride_h - pad_h`` and columns from
    ``x * stride_w - pad_w`` on (clipped to 0), whatever the filter size and dilation.
    """
    ih, iw = in_hw
    oh, ow = out_hw
    sh, sw = stride
    ph, pw = pad
    n = oh * ow
    block = max(1, block)
    # earliest input pixel (row-major index) read by output pixel p
    earliest = [max(0, r * sh - ph) * iw + max(0, x * sw - pw) for r in range(oh) for x in range(ow)]
    # ... and by any pixel from p on
    suffix_min = earliest[:]
    for p in range(n - 2, -1, -1):
        suffix_min[p] = min(suffix_min[p], suffix_min[p + 1])
    need = 0
    for start in range(0, n, block):
        end = min(n, start + block)  # pixels start..end-1 are written while reading from suffix_min[start] on
        need = max(need, end * out_c - suffix_min[start] * in_c)
    return max(0, need)


def step_order_delta(steps: list[tuple[int, int]]) -> int:
    """The least safe ``d`` for a kernel working in ``steps``, each given as (end of the output
    bytes it writes, first input byte it reads), in execution order, each step reading all
    its input before writing any output (e.g. the Winograd tiles of fast/winograd.py): every
    step's writes must stay below the earliest byte any later step reads."""
    need, later = 0, None
    for write_end, read_start in reversed(steps):
        if later is not None:
            need = max(need, write_end - later)
        later = read_start if later is None else min(later, read_start)
    return max(0, need)


def window_overlap(input_index: int, params: list[tuple[str, object]], block: int = 1) -> tuple[int, int] | None:
    """``KernelCall.overlap`` of a windowed kernel (convolution, depthwise, pooling) from its
    parameter list, for a kernel that computes ``block`` output pixels at a time in
    row-major order; None for batches > 1."""
    p = dict(params)
    if int(p.get("batches", 1)) != 1:
        return None
    in_c = int(p.get("in_c", p.get("channels", 0)))
    out_c = int(p.get("out_c", p.get("channels", 0)))
    d = pixel_order_delta((int(p["in_h"]), int(p["in_w"])), in_c, (int(p["out_h"]), int(p["out_w"])), out_c,
                          (int(p["stride_h"]), int(p["stride_w"])), (int(p["pad_h"]), int(p["pad_w"])), block)
    return input_index, d


def dies_at(graph, tensor: int, op_index: int) -> bool:
    """Whether ``tensor`` is read by no operator after ``op_index`` and is no model output."""
    if tensor in graph.outputs:
        return False
    return not any(tensor in op.inputs for op in graph.operators[op_index + 1:])
