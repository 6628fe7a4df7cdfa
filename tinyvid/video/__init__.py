"""Video on the board: frames from a clip, an image sequence, a camera or the
synthetic stream go through a board in binary frames; the board gates on motion,
runs the model and smooths its outputs; tinyvid checks every inferred frame
against tflite-micro and reports speed, latency, energy, flicker and accuracy.
"""

from tinyvid.video.gate import Calibration, GateConfig, SmoothConfig, calibrate, run_gate, smooth
from tinyvid.video.run import StreamResult, stream
from tinyvid.video.sources import StreamFrames, load_stream

__all__ = ["Calibration", "GateConfig", "SmoothConfig", "StreamFrames", "StreamResult", "calibrate", "load_stream",
           "run_gate", "smooth", "stream"]
