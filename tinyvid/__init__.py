"""tinyvid: from a small vision/video model to measured firmware on a microcontroller.

The pipeline, one subpackage per stage:
data -> train -> compress -> codegen -> project -> build -> harness.
"""

__version__ = "0.1.0"
