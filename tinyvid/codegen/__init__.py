"""int8 ``.tflite`` -> C: kernels, a static memory plan, the emitter, TFLM runtime output, verify.

Public surface: :func:`emit` (``tinyvid emit``) and :func:`verify` (``tinyvid verify``).
"""

from tinyvid.codegen.emit import EmitResult, TensorInfo, emit
from tinyvid.codegen.ops import supported_operators

__all__ = ["EmitResult", "TensorInfo", "emit", "supported_operators", "verify"]


def verify(*args, **kwargs):
    """See :func:`tinyvid.codegen.verify.verify`."""
    from tinyvid.codegen.verify import verify as _verify

    return _verify(*args, **kwargs)
