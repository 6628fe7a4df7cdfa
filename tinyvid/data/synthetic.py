"""The built-in synthetic video data set, generated in memory from a seed.

Short clips of a scene seen by a fixed, slightly shaking camera: a textured
background with lighting changes (brightness drift, flicker, a moving light gradient),
camera noise, distractor objects (balls, boxes, poles) and, depending on the class,

* ``background`` -- distractors only,
* ``person``     -- a walking person-like figure (head, torso, swinging arms and legs),
* ``vehicle``    -- a car-like shape (body, cabin, wheels) driving across.

What makes it hard for a tiny model: small and partly out-of-frame objects, low
contrast, occluders in front of the object, distractors that look a little like
limbs or wheels. Every frame of a clip carries the clip's label, so a frame where
the object has (nearly) left the picture is a genuinely hard example.

With the defaults (500 clips of 3 frames per class, seed 0, 48x48 grey) the default
tiny_cnn reaches 91.1% test accuracy (94.6% train): hard, but learnable.

Frames are rendered at twice the resolution with OpenCV and shrunk with area
interpolation (anti-aliasing), then quantised to uint8 like a camera would.
"""

from __future__ import annotations

import numpy as np

CLASS_NAMES = ("background", "person", "vehicle")
CLIPS_PER_CLASS = 500
FRAMES_PER_CLIP = 3
_SS = 2  # supersampling factor


def generate(
    image_size: tuple[int, int],
    *,
    seed: int = 0,
    clips_per_class: int = CLIPS_PER_CLASS,
    frames_per_clip: int = FRAMES_PER_CLIP,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render the data set: uint8 RGB frames ``N x H x W x 3``, labels and clip ids."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x7173]))
    frames, labels, groups = [], [], []
    clip = 0
    order = [label for label in range(len(CLASS_NAMES)) for _ in range(clips_per_class)]
    for label in order:
        clip_rng = np.random.default_rng(rng.integers(0, 2**63))
        frames.append(_render_clip(clip_rng, label, image_size, frames_per_clip))
        labels.append(np.full(frames_per_clip, label, np.int64))
        groups.append(np.full(frames_per_clip, clip, np.int64))
        clip += 1
    return np.concatenate(frames), np.concatenate(labels), np.concatenate(groups)


# --------------------------------------------------------------------------- scene


def _render_clip(rng: np.random.Generator, label: int, image_size, n_frames: int) -> np.ndarray:
    import cv2

    h, w = image_size
    H, W = h * _SS, w * _SS
    margin = 4 * _SS
    bg, bg_mean = _background(rng, H + 2 * margin, W + 2 * margin)
    objects = [_distractor(rng, H, W, bg_mean) for _ in range(rng.integers(0 if label else 1, 4))]
    main = None
    if label == 1:
        main = _Person(rng, H, W, bg_mean, n_frames)
    elif label == 2:
        main = _Vehicle(rng, H, W, bg_mean, n_frames)
    occluder = _occluder(rng, H, W, bg_mean, main) if rng.random() < 0.08 else None

    # lighting over time
    gain0 = rng.uniform(0.6, 1.25)
    drift = rng.uniform(-0.35, 0.35)
    flicker = rng.uniform(0.0, 0.08)
    grad_amp = rng.uniform(0.0, 0.2)
    grad_dir = rng.uniform(0, 2 * np.pi)
    grad_speed = rng.uniform(-0.15, 0.15)
    noise_sigma = rng.uniform(0.008, 0.04)
    salt = rng.random() < 0.1
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    proj = (np.cos(grad_dir) * (xx / w - 0.5) + np.sin(grad_dir) * (yy / h - 0.5)).astype(np.float32)

    small = np.empty((n_frames, h, w, 3), np.float32)
    jitter = 0.0 if rng.random() < 0.5 else rng.uniform(0.5, 2.0) * _SS
    for t in range(n_frames):
        dy, dx = (rng.normal(0, jitter, 2).round().astype(int) if jitter else (0, 0))
        dy, dx = int(np.clip(dy, -margin, margin)), int(np.clip(dx, -margin, margin))
        frame = bg[margin + dy : margin + dy + H, margin + dx : margin + dx + W].copy()
        for obj in objects:
            obj.draw(frame, t)
        if main is not None:
            main.draw(frame, t)
        if occluder is not None:
            occluder.draw(frame, t)
        small[t] = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
    t = np.arange(n_frames, dtype=np.float32)[:, None, None, None]
    gain = gain0 * (1 + drift * t / max(1, n_frames - 1)) * (1 + flicker * rng.standard_normal(t.shape, np.float32))
    small *= gain * (1 + grad_amp * (proj[None, :, :, None] + grad_speed * t))
    small += noise_sigma * rng.standard_normal(small.shape, np.float32)
    if salt:
        spots = rng.random(small.shape[:3]) < 0.01
        small[spots] = rng.integers(0, 2, (int(spots.sum()), 1)).astype(np.float32)
    return np.clip(np.rint(small * 255), 0, 255).astype(np.uint8)


def _background(rng: np.random.Generator, H: int, W: int) -> tuple[np.ndarray, float]:
    import cv2

    base = rng.uniform(0.2, 0.75)
    tint = rng.normal(0, 0.08, 3)
    coarse = rng.random((rng.integers(2, 6), rng.integers(2, 6), 3)).astype(np.float32)
    fine = rng.random((rng.integers(8, 20), rng.integers(8, 20), 1)).astype(np.float32)
    img = base + tint + rng.uniform(0.05, 0.3) * (cv2.resize(coarse, (W, H), interpolation=cv2.INTER_CUBIC) - 0.5)
    img += rng.uniform(0.0, 0.15) * (cv2.resize(fine, (W, H), interpolation=cv2.INTER_LINEAR)[:, :, None] - 0.5)
    if rng.random() < 0.6:  # floor / horizon
        horizon = int(H * rng.uniform(0.45, 0.8))
        img[horizon:] += rng.uniform(-0.2, 0.2)
    for _ in range(rng.integers(0, 3)):  # static edges: window frames, shelves
        c = float(rng.uniform(-0.25, 0.25))
        if rng.random() < 0.5:
            y = int(rng.integers(0, H))
            img[y : y + int(rng.integers(1, 3 * _SS))] += c
        else:
            x = int(rng.integers(0, W))
            img[:, x : x + int(rng.integers(1, 3 * _SS))] += c
    img = np.clip(img, 0.02, 0.98).astype(np.float32)
    return img, float(img.mean())


def _contrast_colour(rng: np.random.Generator, bg_mean: float, low: float = 0.1, p_hard: float = 0.1) -> np.ndarray:
    """A colour that differs from the background by a random (sometimes small) amount."""
    hard = rng.random() < p_hard
    amount = rng.uniform(0.06, low) if hard else rng.uniform(low, 0.45)
    sign = 1 if (rng.random() < 0.5 or bg_mean < amount) and bg_mean + amount < 1 else -1
    grey = bg_mean + sign * amount
    return np.clip(grey + rng.normal(0, 0.06, 3), 0.0, 1.0).astype(np.float32)


def _paint(frame: np.ndarray, mask: np.ndarray, colour: np.ndarray) -> None:
    frame[mask.view(bool)] = colour


class _Moving:
    """Something moving on a straight line (optionally bouncing vertically)."""

    def __init__(self, x0, y0, vx, vy, bounce=0.0, period=6.0):
        self.x0, self.y0, self.vx, self.vy = x0, y0, vx, vy
        self.bounce, self.period = bounce, period

    def pos(self, t):
        return (
            self.x0 + self.vx * t,
            self.y0 + self.vy * t - abs(np.sin(np.pi * t / self.period)) * self.bounce,
        )


class _Ball(_Moving):
    def __init__(self, rng, H, W, bg_mean):
        r = rng.uniform(0.04, 0.16) * H
        super().__init__(rng.uniform(0, W), rng.uniform(0.2 * H, H), rng.normal(0, 0.03 * W), rng.normal(0, 0.01 * H),
                         bounce=rng.uniform(0, 0.2 * H) if rng.random() < 0.5 else 0.0)
        self.r, self.colour = r, _contrast_colour(rng, bg_mean)

    def draw(self, frame, t):
        import cv2

        x, y = self.pos(t)
        mask = np.zeros(frame.shape[:2], np.uint8)
        cv2.circle(mask, (int(x), int(y)), max(1, int(self.r)), 1, -1)
        _paint(frame, mask, self.colour)


class _Box(_Moving):
    def __init__(self, rng, H, W, bg_mean):
        super().__init__(rng.uniform(0, W), rng.uniform(0.1 * H, H), rng.normal(0, 0.03 * W), rng.normal(0, 0.005 * H))
        self.w, self.h = rng.uniform(0.08, 0.35) * W, rng.uniform(0.08, 0.35) * H
        self.angle, self.spin = rng.uniform(0, 90), rng.normal(0, 4)
        self.colour = _contrast_colour(rng, bg_mean)

    def draw(self, frame, t):
        import cv2

        x, y = self.pos(t)
        box = cv2.boxPoints(((x, y), (self.w, self.h), self.angle + self.spin * t)).astype(np.int32)
        mask = np.zeros(frame.shape[:2], np.uint8)
        cv2.fillPoly(mask, [box], 1)
        _paint(frame, mask, self.colour)


class _Pole:
    """A static vertical bar from the top of the picture (a post, a tree trunk)."""

    def __init__(self, rng, H, W, bg_mean):
        self.x = rng.uniform(0, W)
        self.w = rng.uniform(0.02, 0.06) * W
        self.top, self.bottom = rng.uniform(0, 0.1) * H, rng.uniform(0.75, 1.0) * H
        self.colour = _contrast_colour(rng, bg_mean)

    def draw(self, frame, t):
        x0, x1 = int(self.x), int(self.x + max(_SS, self.w))
        frame[int(self.top) : int(self.bottom), x0:x1] = self.colour


def _distractor(rng, H, W, bg_mean):
    kind = rng.choice(3, p=[0.45, 0.45, 0.1])
    return (_Ball, _Box, _Pole)[kind](rng, H, W, bg_mean)


class _Occluder:
    """A static block in front of the object (a pillar, a bush, a parked box)."""

    def __init__(self, x0, y0, x1, y1, colour):
        self.box, self.colour = (int(x0), int(y0), int(x1), int(y1)), colour

    def draw(self, frame, t):
        x0, y0, x1, y1 = self.box
        frame[max(0, y0) : y1, max(0, x0) : x1] = self.colour


def _occluder(rng, H, W, bg_mean, main) -> _Occluder:
    colour = _contrast_colour(rng, bg_mean)
    if main is not None and rng.random() < 0.7:
        # cover part of the object's path: its lower or middle part, or a vertical band
        cx, _ = main.centre(rng.uniform(0, main.n_frames - 1))
        if rng.random() < 0.5:
            width = rng.uniform(0.08, 0.25) * W
            return _Occluder(cx - width / 2, 0, cx + width / 2, H, colour)
        top = main.foot_y - rng.uniform(0.15, 0.4) * main.size
        return _Occluder(0, top, W, H, colour) if rng.random() < 0.5 else _Occluder(cx - W * 0.25, top, cx + W * 0.25, H, colour)
    return _Occluder(*sorted(rng.uniform(0, W, 2)), *sorted(rng.uniform(0, H, 2)), colour=colour)


# --------------------------------------------------------------------------- targets


class _Target:
    """The object that defines the class: walks or drives across the frame."""

    def __init__(self, rng, H, W, n_frames, size_range, speed_range):
        self.n_frames = n_frames
        small = rng.random() < 0.06
        self.size = (rng.uniform(0.3, size_range[0]) if small else rng.uniform(*size_range)) * H
        direction = 1 if rng.random() < 0.5 else -1
        self.vx = direction * rng.uniform(*speed_range) * W
        travel = self.vx * (n_frames - 1)
        # usually fully in frame in the middle of the clip; sometimes enters or leaves
        if rng.random() < 0.05:  # crosses an edge of the picture
            mid = rng.choice([-1, 1]) * rng.uniform(0.3, 0.55) * W + W / 2
        else:
            mid = rng.uniform(0.2 * W, 0.8 * W)
        start = mid - travel / 2
        self.x0 = start
        self.foot_y = rng.uniform(0.55, 1.05) * H

    def centre(self, t):
        return self.x0 + self.vx * t, self.foot_y - self.size / 2


class _Person(_Target):
    def __init__(self, rng, H, W, bg_mean, n_frames):
        super().__init__(rng, H, W, n_frames, size_range=(0.45, 0.95), speed_range=(0.01, 0.05))
        self.phase, self.step = rng.uniform(0, 2 * np.pi), rng.uniform(0.6, 1.2)
        self.swing = rng.uniform(0.25, 0.55)
        low = rng.random() < 0.04  # a low-contrast figure (all of it)
        self.skin, self.shirt, self.trousers = (_contrast_colour(rng, bg_mean, p_hard=float(low)) for _ in range(3))
        self.build = rng.uniform(0.8, 1.25)

    def draw(self, frame, t):
        import cv2

        s, b = self.size, self.build
        x, foot = self.x0 + self.vx * t, self.foot_y
        a = self.swing * np.sin(self.phase + self.step * t)
        hip = (x, foot - 0.47 * s)
        shoulder = (x, foot - 0.78 * s)
        thick = lambda f: max(1, int(f * s * b))  # noqa: E731
        leg = 0.47 * s
        legs = np.zeros(frame.shape[:2], np.uint8)
        for sign in (1, -1):
            end = (hip[0] + sign * np.sin(a) * leg, hip[1] + np.cos(a) * leg)
            cv2.line(legs, _pt(hip), _pt(end), 1, thick(0.09))
        _paint(frame, legs, self.trousers)
        body = np.zeros(frame.shape[:2], np.uint8)
        cv2.line(body, _pt(shoulder), _pt(hip), 1, thick(0.2))
        arm = 0.36 * s
        for sign in (1, -1):
            end = (shoulder[0] - sign * np.sin(a) * arm, shoulder[1] + np.cos(a * 0.8) * arm)
            cv2.line(body, _pt(shoulder), _pt(end), 1, thick(0.065))
        _paint(frame, body, self.shirt)
        head = np.zeros(frame.shape[:2], np.uint8)
        cv2.circle(head, _pt((x, foot - 0.9 * s)), max(1, int(0.11 * s)), 1, -1)
        _paint(frame, head, self.skin)


class _Vehicle(_Target):
    def __init__(self, rng, H, W, bg_mean, n_frames):
        super().__init__(rng, H, W, n_frames, size_range=(0.35, 0.6), speed_range=(0.03, 0.09))
        self.length = self.size * rng.uniform(1.5, 2.1)
        self.body = _contrast_colour(rng, bg_mean, p_hard=0.04)
        self.window = np.clip(self.body + rng.choice([-1, 1]) * rng.uniform(0.1, 0.35), 0, 1).astype(np.float32)
        self.tyre = np.full(3, rng.uniform(0.0, 0.2), np.float32)
        self.cabin = rng.uniform(0.4, 0.65)
        self.spin = 1.0

    def draw(self, frame, t):
        import cv2

        L, s = self.length, self.size
        x, foot = self.x0 + self.vx * t, self.foot_y
        r = 0.19 * s
        body_top, body_bottom = foot - r - 0.45 * s, foot - r * 0.6
        body = np.zeros(frame.shape[:2], np.uint8)
        cv2.rectangle(body, _pt((x - L / 2, body_top)), _pt((x + L / 2, body_bottom)), 1, -1)
        cw = self.cabin * L
        cabin = np.array(
            [(x - cw / 2, body_top), (x - cw / 2 + 0.2 * cw, body_top - 0.38 * s),
             (x + cw / 2 - 0.15 * cw, body_top - 0.38 * s), (x + cw / 2, body_top)]
        )
        cv2.fillPoly(body, [cabin.astype(np.int32)], 1)
        _paint(frame, body, self.body)
        win = np.zeros(frame.shape[:2], np.uint8)
        inner = cabin * 0.8 + cabin.mean(axis=0) * 0.2
        cv2.fillPoly(win, [inner.astype(np.int32)], 1)
        _paint(frame, win, self.window)
        wheels = np.zeros(frame.shape[:2], np.uint8)
        for off in (-0.32, 0.32):
            cv2.circle(wheels, _pt((x + off * L, foot - r)), max(1, int(r)), 1, -1)
        _paint(frame, wheels, self.tyre)


def _pt(p) -> tuple[int, int]:
    return int(round(p[0])), int(round(p[1]))
