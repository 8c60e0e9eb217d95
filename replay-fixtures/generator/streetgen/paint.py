"""Drawing upright billboards in perspective, with exact label boxes and an occlusion buffer.

A `Painter` stands at a street position and draws in local metres: `lx` along the billboard (to the
image's right when `facing` is 1), `lz` up. Each primitive is projected through the camera, drawn
anti-aliased into the frame and, solid, into an id buffer; the label box it belongs to grows to
cover it. After the whole frame is drawn, the id buffer tells how much of each object is still
visible, so objects hidden behind nearer ones are not labelled.
"""

import cv2
import numpy as np

SHIFT = 3  # cv2 sub-pixel bits
ONE = 1 << SHIFT


class Canvas:
    """The frame being drawn, its id buffer and the label boxes drawn so far."""

    def __init__(self, image):
        self.image = image
        self.ids = np.zeros(image.shape[:2], np.int32)
        self.objects = []  # [cls, box [u0, v0, u1, v1], drawn pixel count]
        self.groups = {}  # group key -> object id, for one object drawn by several painters
        self.glows = []  # (u, v, radius px): bright lamps that bloom in the lens

    def new_object(self, cls, group=None):
        if group is not None and group in self.groups:
            return self.groups[group]
        self.objects.append([cls, [np.inf, np.inf, -np.inf, -np.inf], 0])
        if group is not None:
            self.groups[group] = len(self.objects)
        return len(self.objects)  # ids start at 1; 0 is background

    def labels(self, min_visible=0.4, min_size=6):
        """(cls, u0, v0, u1, v1) of every object enough of which is visible."""
        h, w = self.ids.shape
        visible = np.bincount(self.ids.ravel(), minlength=len(self.objects) + 1)
        out = []
        for i, (cls, box, drawn) in enumerate(self.objects, start=1):
            u0, v0, u1, v1 = box
            if not np.isfinite(u0) or drawn == 0:
                continue
            cu0, cv0, cu1, cv1 = max(u0, 0), max(v0, 0), min(u1, w), min(v1, h)
            inside = max(cu1 - cu0, 0) * max(cv1 - cv0, 0) / max((u1 - u0) * (v1 - v0), 1e-9)
            if inside < 0.6 or visible[i] / drawn < min_visible:
                continue
            if cu1 - cu0 < min_size or cv1 - cv0 < min_size:
                continue
            out.append((cls, float(cu0), float(cv0), float(cu1), float(cv1)))
        return out


class Painter:
    def __init__(self, canvas, cam, x, y, light=1.0, facing=1, squash=1.0, lift=0.0):
        self.canvas, self.cam = canvas, cam
        self.x, self.y = x, y
        self.lift = lift  # metres: a rider sits this far above the ground
        self.light = light
        lat = cam.lateral()
        self.ax, self.ay = lat[0] * facing * squash, lat[1] * facing * squash
        self.scale = cam.scale(x, y)
        self.obj = 0

    def label(self, cls, group=None):
        """Starts a new labelled object; following primitives belong to it. Painters that pass the
        same `group` add to one object, labelled by the box around all of it."""
        self.obj = self.canvas.new_object(cls, group)
        return self

    def unlabelled(self):
        self.obj = -1
        return self

    def _project(self, lx, lz):
        lx, lz = np.asarray(lx, float), np.asarray(lz, float)
        u, v = self.cam.project(self.x + self.ax * lx, self.y + self.ay * lx, lz + self.lift)
        return np.stack([u, v], -1)

    def _colour(self, colour, emissive):
        f = 1.0 if emissive else self.light
        return tuple(float(min(255, c * f)) for c in colour)

    def _grow(self, u0, v0, u1, v1, pixels):
        if self.obj > 0:
            entry = self.canvas.objects[self.obj - 1]
            box = entry[1]
            box[0], box[1] = min(box[0], u0), min(box[1], v0)
            box[2], box[3] = max(box[2], u1), max(box[3], v1)
            entry[2] += pixels

    def _mark(self, draw, lo, hi):
        """Runs `draw(target, value)` on the id buffer and counts the pixels it claimed, looking
        only inside the primitive's bounds `lo`..`hi` (pixel corners)."""
        if self.obj == 0:
            return 0
        if self.obj < 0:
            draw(self.canvas.ids, 0)  # unlabelled things still hide what is behind them
            return 0
        h, w = self.canvas.ids.shape
        u0, v0 = max(int(lo[0]) - 1, 0), max(int(lo[1]) - 1, 0)
        u1, v1 = min(int(hi[0]) + 2, w), min(int(hi[1]) + 2, h)
        if u1 <= u0 or v1 <= v0:
            return 0
        roi = self.canvas.ids[v0:v1, u0:u1]
        before = np.count_nonzero(roi == self.obj)
        draw(self.canvas.ids, self.obj)
        return np.count_nonzero(roi == self.obj) - before

    def poly(self, pts, colour, emissive=False):
        pts = np.asarray(pts, float)
        px = self._project(pts[:, 0], pts[:, 1])
        fixed = np.round(px * ONE).astype(np.int32)
        cv2.fillPoly(self.canvas.image, [fixed], self._colour(colour, emissive), cv2.LINE_AA, SHIFT)
        lo, hi = px.min(0), px.max(0)
        n = self._mark(lambda t, val: cv2.fillPoly(t, [fixed], int(val), cv2.LINE_8, SHIFT), lo, hi)
        self._grow(*lo, *hi, n)

    def rect(self, x0, z0, x1, z1, colour, emissive=False):
        self.poly([(x0, z0), (x1, z0), (x1, z1), (x0, z1)], colour, emissive)

    def line(self, p, q, width, colour, emissive=False):
        """A stroke `width` metres wide (at least one pixel)."""
        a, b = self._project([p[0], q[0]], [p[1], q[1]])
        thickness = max(1, int(round(width * self.scale)))
        ia, ib = tuple(np.round(a * ONE).astype(int)), tuple(np.round(b * ONE).astype(int))
        cv2.line(self.canvas.image, ia, ib, self._colour(colour, emissive), thickness, cv2.LINE_AA, SHIFT)
        r = thickness / 2
        lo, hi = np.minimum(a, b) - r, np.maximum(a, b) + r
        n = self._mark(lambda t, val: cv2.line(t, ia, ib, int(val), thickness, cv2.LINE_8, SHIFT), lo, hi)
        self._grow(*lo, *hi, n)

    def circle(self, cx, cz, radius, colour, width=None, emissive=False):
        """A disc, or a ring `width` metres thick."""
        c = self._project(cx, cz)
        r = max(1.0, radius * self.scale)
        thickness = -1 if width is None else max(1, int(round(width * self.scale)))
        ic, ir = tuple(np.round(c * ONE).astype(int)), int(round(r * ONE))
        cv2.circle(self.canvas.image, ic, ir, self._colour(colour, emissive), thickness, cv2.LINE_AA, SHIFT)
        pad = r + (0 if width is None else thickness / 2)
        lo, hi = c - pad, c + pad
        n = self._mark(lambda t, val: cv2.circle(t, ic, ir, int(val), thickness, cv2.LINE_8, SHIFT), lo, hi)
        self._grow(*lo, *hi, n)

    def glow(self, cx, cz, radius):
        """Marks a lamp whose light blooms (headlights at night)."""
        c = self._project(cx, cz)
        self.canvas.glows.append((float(c[0]), float(c[1]), radius * self.scale))

    def shadow(self, half_width, depth=0.35, strength=0.35):
        """A soft dark patch on the ground under the object."""
        pts = []
        for a in np.linspace(0, 2 * np.pi, 16, endpoint=False):
            lx, dy = half_width * np.cos(a), depth * np.sin(a)
            pts.append(self.cam.project(self.x + self.ax * lx, self.y + self.ay * lx + dy, 0.0))
        pts = np.array(pts)
        h, w = self.canvas.image.shape[:2]
        u0, v0 = np.clip(np.floor(pts.min(0)).astype(int), 0, [w, h])
        u1, v1 = np.clip(np.ceil(pts.max(0)).astype(int) + 1, 0, [w, h])
        if u1 <= u0 or v1 <= v0:
            return
        roi = self.canvas.image[v0:v1, u0:u1]
        mask = np.zeros(roi.shape[:2], np.uint8)
        cv2.fillPoly(mask, [np.round((pts - [u0, v0]) * ONE).astype(np.int32)], 255, cv2.LINE_AA, SHIFT)
        dark = 1.0 - strength * min(1.0, self.light) * (mask[..., None] / 255.0)
        roi[:] = (roi * dark).astype(np.uint8)
