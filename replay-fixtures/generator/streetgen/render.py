"""Composing frames: background, things in depth order, plumes, lamp glare, sensor noise."""

from dataclasses import dataclass, field
from typing import Callable

import cv2
import numpy as np

from .paint import Canvas, Painter
from .plume import plume
from .scene import render_background


@dataclass
class Sprite:
    """Something drawn at street position (x, y); `draw(painter, t)` draws it at time t."""

    x: float
    y: float
    draw: Callable
    facing: int = 1
    squash: float = 1.0
    shadow: float = 0.0  # half-width of the ground shadow, metres; 0 for none
    lift: float = 0.0


@dataclass
class Plume:
    x: float
    y: float
    z0: float
    seed: int
    steam: bool = False


@dataclass
class View:
    """A street seen by a camera, by day or night, with its background rendered once."""

    street: object
    cam: object
    night: bool
    base: np.ndarray = field(init=False, repr=False)
    light: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        self.base, self.light = render_background(self.street, self.cam, self.night)
        self.lit = np.clip(self.base * self.light[..., None], 0, 255).astype(np.float32)

    def frame(self, things, t, noise_rng, exposure=1.0, min_label=6):
        """Draws `things` (Sprites and Plumes) at time t; returns (BGR uint8 image, labels)."""
        image = np.clip(self.lit * exposure, 0, 255).astype(np.uint8)
        canvas = Canvas(image)
        depth = lambda th: self.cam.depth(th.x, th.y, 0.8)
        for thing in sorted(things, key=depth, reverse=True):
            if depth(thing) < 1.0:
                continue
            light = self.street.light_at(thing.x, thing.y, self.night) * exposure
            if isinstance(thing, Plume):
                plume(canvas, self.cam, thing.x, thing.y, thing.z0, t, thing.seed, steam=thing.steam, light=light, night=self.night)
                continue
            painter = Painter(canvas, self.cam, thing.x, thing.y, light=light, facing=thing.facing, squash=thing.squash, lift=thing.lift)
            if thing.shadow:
                painter.shadow(thing.shadow)
            thing.draw(painter, t)
        labels = canvas.labels(min_size=min_label)
        image = self._finish(canvas, noise_rng)
        return image, labels

    def _finish(self, canvas, rng):
        image = canvas.image
        if canvas.glows:
            bloom = np.zeros(image.shape[:2], np.float32)
            for u, v, r in canvas.glows:
                cv2.circle(bloom, (int(u), int(v)), max(2, int(r * 1.5)), 1.0, -1)
            k = int(max(r for _, _, r in canvas.glows) * 3) | 1
            bloom = cv2.GaussianBlur(bloom, (k, k), 0)
            image = np.clip(image + bloom[..., None] * np.array([200, 230, 255], np.float32), 0, 255).astype(np.uint8)
        image = cv2.GaussianBlur(image, (3, 3), 0.6)
        sigma = 5.0 if self.night else 2.5
        noise = rng.normal(0, sigma, image.shape[:2] + (1,)).astype(np.float32)
        return np.clip(image.astype(np.float32) + noise, 0, 255).astype(np.uint8)
