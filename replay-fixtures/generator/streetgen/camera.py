"""A fixed city camera on a pole: a pinhole looking down a street, turned and tilted.

Street coordinates, in metres: x across the street (road centre at 0, right-hand pavement positive),
y along it, z up. The camera stands at (cam_x, 0, mount), turned by `yaw` (positive: towards the
right-hand pavement) and tilted down by `pitch`. Objects are drawn as upright billboards facing
the camera, which is what a camera 5-8 m up and 8-40 m away sees of people, bicycles and stalls.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    width: int
    height: int
    focal: float  # pixels
    mount: float  # metres above the ground
    pitch: float  # radians, downwards
    cam_x: float = 0.0
    yaw: float = 0.0

    def _axes(self):
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        cp, sp = np.cos(self.pitch), np.sin(self.pitch)
        right = np.array([c, -s, 0.0])
        level = np.array([s, c, 0.0])  # horizontal viewing direction
        forward = level * cp + np.array([0, 0, -sp])
        up = level * sp + np.array([0, 0, cp])
        return right, forward, up

    def lateral(self):
        """Unit street-plane vector that points to the image's right: billboards lie along it."""
        return self._axes()[0][:2]

    def depth(self, x, y, z=0.0):
        _, forward, _ = self._axes()
        return (np.asarray(x) - self.cam_x) * forward[0] + np.asarray(y) * forward[1] + (np.asarray(z) - self.mount) * forward[2]

    def project(self, x, y, z=0.0):
        """Street point(s) → pixel (u, v). Points must be in front of the camera."""
        right, forward, up = self._axes()
        d = np.stack(np.broadcast_arrays(np.asarray(x, float) - self.cam_x, np.asarray(y, float), np.asarray(z, float) - self.mount), -1)
        f = d @ forward
        return self.width / 2 + self.focal * (d @ right) / f, self.height / 2 - self.focal * (d @ up) / f

    def scale(self, x, y):
        """Pixels per metre for something standing at (x, y)."""
        return self.focal / self.depth(x, y, 0.8)

    def rays(self):
        """Per pixel: the ray direction in street coordinates (dx, dy, dz)."""
        right, forward, up = self._axes()
        u, v = np.meshgrid(np.arange(self.width) + 0.5, np.arange(self.height) + 0.5)
        r = (u - self.width / 2) / self.focal
        a = (self.height / 2 - v) / self.focal
        return tuple(r * right[i] + a * up[i] + forward[i] for i in range(3))
