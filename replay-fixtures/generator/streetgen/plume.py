"""Smoke over a grill and steam from a vent: translucent, shapeless, flickering.

A plume is a stream of puffs born at a steady rate; each rises, drifts with the wind, grows and
fades. Puff i's randomness comes from (seed, i), so the plume at time t is the same in every run
and moves smoothly from frame to frame.
"""

import cv2
import numpy as np


def plume(canvas, cam, x, y, z0, t, seed, *, steam=False, light=1.0, night=False, label=True):
    """Draws the plume at time t (seconds); labels it `smoke` unless it is steam or `label` is off."""
    rate, life = (6.0, 2.2) if steam else (4.0, 5.0)
    rise, grow = (0.9, 0.25) if steam else (0.35, 0.22)
    if steam:
        colour = np.array([235, 235, 235])
    elif night:
        colour = np.array([120, 140, 160]) * min(1.6, 0.5 + light)
    else:
        colour = np.array([175, 178, 185])
    wind = np.random.default_rng(seed).uniform(-0.25, 0.25)
    first, last = int(np.floor((t - life) * rate)), int(np.floor(t * rate))
    puffs = []
    for i in range(first, last + 1):
        age = t - i / rate
        if age < 0 or age > life:
            continue
        r = np.random.default_rng((seed, i + 1_000_000))  # i may be negative near t = 0
        jitter = r.normal(0, 0.12, 2)
        sway = 0.15 * np.sin(age * 1.7 + r.uniform(0, 6))
        lx = jitter[0] + (wind + sway) * age
        lz = z0 + rise * age + jitter[1] * 0.5
        radius = (0.12 if steam else 0.16) + grow * age
        alpha = (0.45 if steam else 0.6) * (1 - age / life) ** 1.3 * min(1.0, age * 3 + 0.3)
        puffs.append((lx, lz, radius, alpha))
    if not puffs:
        return
    lat = cam.lateral()
    pts = []
    for lx, lz, radius, alpha in puffs:
        u, v = cam.project(x + lat[0] * lx, y + lat[1] * lx, lz)
        pts.append((u, v, radius * cam.scale(x, y), alpha))
    pts = np.array(pts)
    h, w = canvas.image.shape[:2]
    pad = pts[:, 2].max() * 1.5 + 4
    u0, v0 = int(max(0, pts[:, 0].min() - pad)), int(max(0, pts[:, 1].min() - pad))
    u1, v1 = int(min(w, pts[:, 0].max() + pad)), int(min(h, pts[:, 1].max() + pad))
    if u1 - u0 < 2 or v1 - v0 < 2:
        return
    acc = np.zeros((v1 - v0, u1 - u0), np.float32)
    for u, v, rad, alpha in pts:
        blob = np.zeros_like(acc)
        cv2.circle(blob, (int(u - u0), int(v - v0)), max(1, int(rad)), float(alpha), -1, cv2.LINE_AA)
        acc = 1 - (1 - acc) * (1 - blob)
    blur = max(3, int(pts[:, 2].mean() * 0.8) | 1)
    acc = cv2.GaussianBlur(acc, (blur, blur), 0)
    roi = canvas.image[v0:v1, u0:u1].astype(np.float32)
    roi = roi * (1 - acc[..., None]) + colour.astype(np.float32) * acc[..., None]
    canvas.image[v0:v1, u0:u1] = np.clip(roi, 0, 255).astype(np.uint8)
    if label and not steam:
        ys, xs = np.nonzero(acc > 0.15)
        if len(xs):
            obj = canvas.new_object("smoke")
            entry = canvas.objects[obj - 1]
            entry[1] = [u0 + xs.min(), v0 + ys.min(), u0 + xs.max() + 1, v0 + ys.max() + 1]
            # Smoke is see-through: it claims only pixels no solid thing has, so it hides nothing,
            # and whatever is drawn later in front of it still counts against its visibility.
            ids = canvas.ids[v0:v1, u0:u1]
            claimed = (acc > 0.15) & (ids == 0)
            ids[claimed] = obj
            entry[2] = int(claimed.sum())
