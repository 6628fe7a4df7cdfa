"""Render a lowered, planned model into the C files of the generated library."""

from __future__ import annotations

import re
from importlib import resources

from tinyvid.codegen.cformat import array_body, banner, float_literal, initializer, int_literal
from tinyvid.codegen.lower import LoweredModel
from tinyvid.codegen.planner import MemoryPlan
from tinyvid.model.stats import model_stats

_INCLUDE = re.compile(r'#include "tv_([a-z0-9_]+)\.h"')


def _kernel_text(name: str) -> str:
    return resources.files("tinyvid.codegen").joinpath("kernels", name).read_text(encoding="utf-8")


def _kernel_exists(name: str) -> bool:
    return resources.files("tinyvid.codegen").joinpath("kernels", name).is_file()


def _rename(text: str, prefix: str) -> str:
    text = re.sub(r"\btv_", f"{prefix}_", text)
    return re.sub(r"\bTV_", f"{prefix.upper()}_", text)


def kernel_files(stems: set[str], prefix: str, head: str) -> dict[str, str]:
    """The kernel sources the model needs (with every header they include), renamed for ``prefix``."""
    files: dict[str, str] = {}
    todo = [f"tv_{s}.h" for s in stems] + [f"tv_{s}.c" for s in stems] + ["tv_common.h"]
    while todo:
        name = todo.pop()
        if name in files or not _kernel_exists(name):
            continue
        text = _kernel_text(name)
        files[name] = text
        todo.extend(f"tv_{m}.h" for m in _INCLUDE.findall(text))
    return {prefix + n[2:]: head + _rename(t, prefix) for n, t in sorted(files.items())}


def render(model: LoweredModel, plan: MemoryPlan, prefix: str, *, trace: bool = False) -> dict[str, str]:
    """All files of the generated library, by file name.

    With ``trace=True`` (used by ``tinyvid verify``) the library calls
    ``void <prefix>_trace(int op, int output, const int8_t *data, int32_t bytes)``,
    which the caller defines, after every operator.
    """
    g = model.graph
    head = banner(g.source_name, g.sha256)
    P = prefix.upper()
    stems = {k for c in model.calls for k in c.kernels}
    files = kernel_files(stems, prefix, head)
    files[f"{prefix}.h"] = head + _header(model, plan, prefix, P)
    files[f"{prefix}_weights.h"] = head + _weights_header(model, prefix, P)
    files[f"{prefix}_weights.c"] = head + _weights_source(model, prefix)
    files[f"{prefix}.c"] = head + _model_source(model, plan, prefix, P, stems, trace)
    return files


def _io_defines(P: str, kind: str, k: int, t) -> list[str]:
    q = t.quantization
    shape = ", ".join(str(d) for d in t.shape)
    return [
        f"/** Bytes of {kind.lower()} {k} ('{_comment(t.name)}'). */",
        f"#define {P}_{kind}_{k}_BYTES {t.nbytes}",
        f"#define {P}_{kind}_{k}_RANK {len(t.shape)}",
        f"#define {P}_{kind}_{k}_SHAPE {{{shape}}}",
        f"/** real = SCALE * (q - ZERO_POINT) */",
        f"#define {P}_{kind}_{k}_SCALE {float_literal(q.scale)}",
        f"#define {P}_{kind}_{k}_ZERO_POINT {int_literal(q.zero_point)}",
    ]


def _comment(text: str) -> str:
    return text.replace("*/", "* /").replace("\n", " ")


def _header(model: LoweredModel, plan: MemoryPlan, prefix: str, P: str) -> str:
    g = model.graph
    macs = model_stats(g).total_macs
    weights = sum(c.nbytes for c in model.consts.values())
    lines = [
        f"/**",
        f" * @file {prefix}.h",
        f" * @brief {g.source_name} as plain C: no interpreter, no heap.",
        f" *",
        f" * Write the input with {prefix}_input(), call {prefix}_invoke(), read {prefix}_output().",
        f" * All activations live in one static arena of {P}_ARENA_BYTES bytes; the weights",
        f" * are const arrays (flash). Calls are not reentrant: one inference at a time.",
        f" * The contents of the input buffer are not preserved by {prefix}_invoke().",
        f" */",
        f"#ifndef {P}_H",
        f"#define {P}_H",
        "",
        "#include <stdint.h>",
        "",
        "#ifdef __cplusplus",
        'extern "C" {',
        "#endif",
        "",
        f"/** Bytes of the static tensor arena (RAM). */",
        f"#define {P}_ARENA_BYTES {plan.arena_bytes}",
        f"/** Bytes of the constant weights and quantization tables (flash). */",
        f"#define {P}_WEIGHTS_BYTES {weights}",
        f"/** Multiply-accumulates of one inference. */",
        f"#define {P}_MACS {macs}ULL",
        f"#define {P}_NUM_INPUTS {len(g.inputs)}",
        f"#define {P}_NUM_OUTPUTS {len(g.outputs)}",
        f"#define {P}_NUM_OPERATORS {len(g.operators)}",
        "",
    ]
    for k, t in enumerate(g.input_tensors()):
        lines += _io_defines(P, "INPUT", k, t) + [""]
    for k, t in enumerate(g.output_tensors()):
        lines += _io_defines(P, "OUTPUT", k, t) + [""]
    lines += [
        "/**",
        " * Run one inference on the current input.",
        " * @return 0 on success; otherwise 1 + the index of the operator that failed",
        " *         (only AVERAGE_POOL_2D can fail, on a window with no input cell).",
        " */",
        f"int {prefix}_invoke(void);",
        "",
        "/**",
        " * Per-operator timing: when set, {p}_invoke() calls it with k = 0..{P}_NUM_OPERATORS-1",
        " * right before operator k and with k = {P}_NUM_OPERATORS after the last one",
        " * (`tinyvid profile` reads a timer there). NULL (the default) costs a test per operator.",
        " */",
        f"extern void (*{prefix}_profile_hook)(int32_t point);",
        "",
        "/**",
        " * The int8 buffer of input @p index (NHWC, {P}_INPUT_<i>_BYTES bytes).",
        " * @return NULL for a bad index",
        " */",
        f"int8_t *{prefix}_input(int index);",
        "",
        "/**",
        " * The int8 buffer of output @p index, valid after {p}_invoke() until the next call.",
        " * @return NULL for a bad index",
        " */",
        f"const int8_t *{prefix}_output(int index);",
        "",
        "#ifdef __cplusplus",
        "}",
        "#endif",
        "",
        f"#endif /* {P}_H */",
        "",
    ]
    return "\n".join(lines).replace("{P}", P).replace("{p}", prefix)


def _weights_header(model: LoweredModel, prefix: str, P: str) -> str:
    lines = [f"/** @file {prefix}_weights.h @brief Constant tensors and quantization tables (internal). */",
             f"#ifndef {P}_WEIGHTS_H", f"#define {P}_WEIGHTS_H", "", "#include <stdint.h>", "",
             f'#include "{prefix}_common.h"', ""]
    for c in model.consts.values():
        lines.append(f"extern const {c.ctype} {c.name}[{max(1, c.data.size)}];")
    lines += ["", f"#endif /* {P}_WEIGHTS_H */", ""]
    return "\n".join(lines)


def _weights_source(model: LoweredModel, prefix: str) -> str:
    P = prefix.upper()
    out = [f'#include "{prefix}_weights.h"', ""]
    for c in model.consts.values():
        out.append(f"const {c.ctype} {c.name}[{max(1, c.data.size)}] {P}_ALIGNED(16) = {{{array_body(c.data)}}};")
        out.append("")
    return "\n".join(out)


def _model_source(model: LoweredModel, plan: MemoryPlan, prefix: str, P: str, stems: set[str], trace: bool) -> str:
    g = model.graph
    out = [f'#include "{prefix}.h"', "", "#include <stddef.h>", "", f'#include "{prefix}_common.h"', f'#include "{prefix}_weights.h"']
    out += [f'#include "{prefix}_{s}.h"' for s in sorted(stems)]
    out += [
        "",
        f"/** Define {P}_ARENA_ATTRIBUTES to place the arena in a given memory section. */",
        f"#ifndef {P}_ARENA_ATTRIBUTES",
        f"#define {P}_ARENA_ATTRIBUTES",
        "#endif",
        "",
        *([f"void {prefix}_trace(int op, int output, const int8_t *data, int32_t bytes);", ""] if trace else []),
        f"static int8_t {prefix}_arena[{max(16, plan.arena_bytes)}] {P}_ALIGNED(16) {P}_ARENA_ATTRIBUTES;",
        "",
        f"void (*{prefix}_profile_hook)(int32_t point) = NULL;",
        "",
    ]
    hook = f"    if ({prefix}_profile_hook != NULL) {{\n        {prefix}_profile_hook(%d);\n    }}"

    def tensor_ptr(match: re.Match) -> str:
        i = int(match.group(1))
        return f"({prefix}_arena + {plan.offsets[i]})"

    body = []
    for op, call in zip(g.operators, model.calls):
        text = re.sub(r"@T(\d+)@", tensor_ptr, call.call)
        if call.params_type:
            name = f"{prefix}_op{op.index}_params"
            out.append(f"static const {call.params_type} {name} = {initializer(dict(call.params))};")
            text = text.replace("@P@", f"&{name}")
        if call.code:
            out += ["", re.sub(r"@T(\d+)@", tensor_ptr, call.code).rstrip(), ""]
        shapes = " ".join("x".join(str(d) for d in g.tensors[i].shape) for i in op.outputs)
        body.append(f"    /* {op.index}: {op.opcode} -> {shapes} */")
        body.append(hook % op.index)
        if call.returns_status:
            body.append(f"    if ({text} != 0) {{")
            body.append(f"        return {op.index + 1};")
            body.append("    }")
        else:
            body.append(f"    {text}")
        if trace and call.fused_op is None:  # a fused call's output holds the ADD's result (fuse.py)
            for k, i in enumerate(op.outputs):
                body.append(f"    {prefix}_trace({op.index}, {k}, {prefix}_arena + {plan.offsets[i]}, {g.tensors[i].nbytes});")
    body.append(hook % len(g.operators))
    out += ["", f"int {prefix}_invoke(void)", "{"] + body + ["    return 0;", "}", ""]
    out += [f"int8_t *{prefix}_input(int index)", "{", "    switch (index) {"]
    for k, i in enumerate(g.inputs):
        out.append(f"    case {k}:\n        return {prefix}_arena + {plan.offsets[i]};")
    out += ["    default:", "        return NULL;", "    }", "}", ""]
    out += [f"const int8_t *{prefix}_output(int index)", "{", "    switch (index) {"]
    for k, i in enumerate(g.outputs):
        out.append(f"    case {k}:\n        return {prefix}_arena + {plan.offsets[i]};")
    out += ["    default:", "        return NULL;", "    }", "}", ""]
    return "\n".join(out)
