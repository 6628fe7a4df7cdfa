"""How input files become a model's int8 input: the one table of conversions.

``uint8`` files are fed as ``u8 - 128``, ``int8`` files as they are, ``float32``
files (little-endian) are quantized with the input scale and zero point. The
standard MLPerf Tiny model ids fix their input files' format; any other model
takes uint8 pixels when its input is quantized like them (scale 1/255, zero
point -128), else int8.
"""

from __future__ import annotations

CONVERSIONS = ("int8", "uint8", "float32")

#: Input file formats of the standard MLPerf Tiny model ids.
STANDARD_CONVERSIONS = {"vww01": "uint8", "ic01": "uint8", "kws01": "int8", "ad01": "float32"}


def default_conversion(model_id: str | None, input_scale: float, input_zero_point: int) -> str:
    """The conversion a project gets when none is asked for."""
    if model_id in STANDARD_CONVERSIONS:
        return STANDARD_CONVERSIONS[model_id]
    if input_zero_point == -128 and abs(input_scale - 1 / 255) < 1e-6:
        return "uint8"
    return "int8"
