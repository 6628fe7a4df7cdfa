"""The energy estimate from the board file, when no monitor measures the board:
volts x active current x the time the board works (``[power]`` of the board file)."""

from __future__ import annotations

#: Sleep current assumed (mA) when neither the board file nor the user gives one: a Cortex-M MCU
#: in a stop mode with its RAM kept is typically tens of uA.
DEFAULT_SLEEP_MA = 0.05


def inference_estimate(board, latency_us: float, latency_name: str = "latency") -> tuple[float, float, str] | None:
    """(uJ per inference, mW while inferring, basis) of ``latency_us`` on ``board``, or None without [power]."""
    power = getattr(board, "power", None)
    if power is None:
        return None
    # V x mA x us = nJ; /1000 for uJ.
    return (power.volts * power.active_ma * latency_us / 1000.0, power.volts * power.active_ma,
            f"estimate: {power.volts:g} V x {power.active_ma:g} mA x {latency_name} ({power.source})")


def stream_estimate(board, mean_s: float, every_s: float, fps: float, sleep_ma: float | None) -> dict | None:
    """A duty-cycled stream's estimate: energy per frame (with and without the
    gate), duty cycle and average power at ``fps`` frames per second."""
    power = getattr(board, "power", None)
    if power is None or not mean_s:
        return None
    sleep = sleep_ma if sleep_ma is not None else power.sleep_ma
    sleep_basis = "given" if sleep_ma is not None else ("from the board file" if sleep is not None else "assumed")
    sleep = DEFAULT_SLEEP_MA if sleep is None else float(sleep)
    duty = mean_s * fps
    d = min(duty, 1.0)
    # V x mA x s = mJ; x 1000 for uJ
    return {
        "energy_per_frame_uj": power.volts * power.active_ma * mean_s * 1e3,
        "energy_per_frame_every_frame_uj": power.volts * power.active_ma * every_s * 1e3,
        "energy_saved_fraction": 1.0 - mean_s / every_s if every_s else None,
        "target_fps": fps, "duty_cycle": duty, "sustains_target_fps": duty <= 1.0,
        "average_power_mw": power.volts * (power.active_ma * d + sleep * (1 - d)), "sleep_ma": sleep,
        "energy_source": "estimate",
        "energy_basis": (f"estimate: {power.volts:g} V x {power.active_ma:g} mA active ({power.source}), "
                         f"{sleep:g} mA asleep ({sleep_basis}), at {fps:g} frames per second"),
    }
