"""Synthetic video streams with known ground truth, built from the scene pieces of
the built-in synthetic data set (:mod:`tinyvid.data.synthetic`).

A stream shows one textured scene for a long time: static stretches (camera noise,
a slow lighting drift, static poles) and motion events in which a person or a
vehicle of the synthetic set crosses the picture. Every frame carries its class
(``background`` when no object is in view) and whether an event is in view: at
least :data:`VISIBLE_FRACTION` of the frame's pixels show the object. ``camera``
``static`` keeps the camera still (the case a motion gate is made for); ``moving``
pans it steadily over a wider scene, with shake.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyvid.data import synthetic as _scene

CLASS_NAMES = _scene.CLASS_NAMES
CAMERAS = ("static", "moving")
#: frames per second the synthetic stream stands for
FPS = 10.0
#: native resolution of a synthetic stream (height, width): 4:3, like a camera
SIZE = (120, 160)
#: fraction of the frame's pixels an object must cover for its frame to hold the event
VISIBLE_FRACTION = 0.005


@dataclass
class SceneStream:
    frames: np.ndarray   # N x H x W x 3 uint8 RGB
    labels: np.ndarray   # class index per frame
    active: np.ndarray   # an event is in view
    events: int


def synthetic_stream(frames: int = 300, *, seed: int = 0, camera: str = "static",
                     size: tuple[int, int] = SIZE) -> SceneStream:
    """Render ``frames`` frames of a synthetic stream (deterministic from ``seed``)."""
    import cv2

    if camera not in CAMERAS:
        raise ValueError(f"camera must be one of {CAMERAS}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5717]))
    ss = _scene._SS
    h, w = size
    H, W = h * ss, w * ss
    pan = 0.0 if camera == "static" else rng.uniform(1.5, 3.0) * ss  # supersampled pixels a frame
    margin = 4 * ss
    scene_w = W + 2 * margin + int(np.ceil(pan * frames))
    bg, bg_mean = _scene._background(rng, H + 2 * margin, scene_w)
    poles = [_scene._Pole(rng, H, W, bg_mean) for _ in range(rng.integers(1, 3) if camera == "static" else 0)]
    if camera == "moving":  # poles all along the scene the camera pans over
        poles = [_scene._Pole(rng, H, W, bg_mean) for _ in range(max(2, int(scene_w / W * 2)))]
        for pole in poles:
            pole.x = rng.uniform(0, scene_w)
    pole_x = [pole.x for pole in poles]
    plan = _plan_events(rng, frames, H, W, bg_mean)
    gain0, drift = rng.uniform(0.8, 1.1), rng.uniform(-0.08, 0.08)
    noise = rng.uniform(0.006, 0.012)
    shake = 0.0 if camera == "static" else 1.5 * ss
    out = np.empty((frames, h, w, 3), np.uint8)
    labels = np.zeros(frames, np.int64)
    active = np.zeros(frames, bool)
    for t in range(frames):
        dy, dx = (rng.normal(0, shake, 2).round().astype(int) if shake else (0, 0))
        dy, dx = int(np.clip(dy, -margin, margin)), int(np.clip(dx, -margin, margin))
        x = margin + dx + int(round(pan * t))
        frame = bg[margin + dy: margin + dy + H, x: x + W].copy()
        for pole, x0 in zip(poles, pole_x):
            pole.x = x0 - pan * t - dx  # fixed in the scene: the camera moves past it
            pole.draw(frame, t)
        event = next((e for e in plan if e[0] <= t < e[0] + e[1]), None)
        if event is not None:
            start, _, label, target = event
            empty = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
            target.draw(frame, t - start)
            small = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
            visible = (np.abs(small - empty).max(axis=2) > 0.02).mean()
            if visible >= VISIBLE_FRACTION:
                labels[t], active[t] = label, True
        else:
            small = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
        gain = gain0 * (1 + drift * t / max(1, frames - 1))
        small = small * gain + noise * rng.standard_normal(small.shape, np.float32)
        out[t] = np.clip(np.rint(small * 255), 0, 255).astype(np.uint8)
    return SceneStream(out, labels, active, len(plan))


def _plan_events(rng, frames: int, H: int, W: int, bg_mean: float) -> list[tuple[int, int, int, object]]:
    """``[(first frame, frames, class, target)]``: objects that cross the picture,
    separated by static stretches of 50 to 130 frames."""
    plan = []
    t = int(rng.integers(10, 40))
    while t < frames:
        label = int(rng.integers(1, 3))
        cls = _scene._Person if label == 1 else _scene._Vehicle
        target = cls(rng, H, W, bg_mean, 2)
        target.foot_y = rng.uniform(0.75, 0.98) * H
        extent = (0.4 * target.size) if label == 1 else (target.length / 2 + 0.2 * target.size)
        speed = rng.uniform(0.025, 0.045) if label == 1 else rng.uniform(0.04, 0.07)
        direction = 1 if rng.random() < 0.5 else -1
        target.vx = direction * speed * W
        target.x0 = -extent if direction > 0 else W + extent
        length = int(np.ceil((W + 2 * extent) / (speed * W)))
        plan.append((t, length, label, target))
        t += length + int(rng.integers(50, 130))
    return plan
