"""The static part of a street view: road, kerb, pavements, painted bays, tactile path, shopfronts.

A `Street` is a layout in street coordinates (see camera.py); `render_background` ray-casts every
pixel against the ground and the two building facades, so perspective is exact, and returns the
base colour and, for night scenes, how much lamp light reaches each pixel.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Shopfront:
    y0: float
    y1: float
    colour: tuple  # BGR sign band
    wall: tuple  # BGR upper wall


@dataclass(frozen=True)
class Street:
    road_half: float  # metres from the road centre to each kerb
    right_facade: float  # x of the right-hand building line (shop line)
    left_facade: float  # x (negative) of the left-hand building line
    bays: tuple  # (x0, x1, y0, y1) painted bicycle bays on the right pavement
    tactile: tuple  # (x0, x1) of the yellow tactile path on the right pavement
    shops: tuple  # Shopfront, right side
    lamps: tuple  # (x, y) lamp posts
    asphalt: tuple  # BGR
    paving: tuple  # BGR
    seed: int = 0
    left_shops: tuple = field(default=())

    @property
    def kerb(self):
        return self.road_half + 0.15

    def on_right_pavement(self, x):
        return self.kerb <= x <= self.right_facade

    def light_at(self, x, y, night):
        """How much light falls on something standing at (x, y): 1 by day; lamp pools by night."""
        if not night:
            return 1.0
        return 0.16 + sum(1.3 * np.exp(-((x - lx) ** 2 + (y - ly) ** 2) / (2 * 3.2**2)) for lx, ly in self.lamps)

    def in_bay(self, x, y):
        return any(x0 <= x <= x1 and y0 <= y <= y1 for x0, x1, y0, y1 in self.bays)


def _shop_row(rng, widths, wall):
    """Shopfronts of random widths from 4 m to 90 m along the street, each with its sign and wall colours."""
    row, y = [], 4.0
    while y < 90:
        width = rng.uniform(*widths)
        sign = tuple(int(c) for c in rng.integers(40, 230, 3))
        row.append(Shopfront(y, y + width, sign, tuple(int(c) for c in rng.integers(*wall, 3))))
        y += width
    return tuple(row)


def random_street(rng):
    road_half = rng.uniform(3.0, 4.5)
    pavement = rng.uniform(4.5, 6.5)
    right = road_half + 0.15 + pavement
    bays = []
    y = rng.uniform(12, 16)
    bay_x0 = road_half + 0.4
    for _ in range(rng.integers(1, 3)):
        length = rng.uniform(4, 7)
        bays.append((bay_x0, bay_x0 + rng.uniform(1.7, 2.1), y, y + length))
        y += length + rng.uniform(6, 12)
    tactile_x0 = min(bay_x0 + 2.6, right - 1.8)
    shops = _shop_row(rng, (4, 8), (110, 200))
    left_shops = _shop_row(rng, (5, 10), (100, 190))
    lamps = tuple((road_half + 0.5, y) for y in np.arange(rng.uniform(8, 14), 90, rng.uniform(14, 20)))
    grey = rng.integers(60, 95)
    paving = rng.integers(120, 185)
    return Street(
        road_half=road_half,
        right_facade=right,
        left_facade=-(road_half + 0.15 + rng.uniform(3.0, 5.0)),
        bays=tuple(bays),
        tactile=(tactile_x0, tactile_x0 + 0.4),
        shops=shops,
        lamps=lamps,
        asphalt=(int(grey), int(grey), int(grey + rng.integers(0, 8))),
        paving=(int(paving - rng.integers(0, 20)), int(paving), int(paving + rng.integers(0, 15))),
        seed=int(rng.integers(0, 2**31)),
        left_shops=left_shops,
    )


def _hash(a, b, seed):
    """Deterministic pseudo-random texture in [0, 1) from two quantised coordinates."""
    h = np.sin(a * 12.9898 + b * 78.233 + seed * 0.001) * 43758.5453
    return h - np.floor(h)


def _paint(img, mask, colour):
    img[mask] = colour


def _ground(street, x, y, img, mask):
    """Colours ground pixels `mask` whose street coordinates are x, y."""
    ax = np.abs(x)
    grain = _hash(np.floor(x * 20), np.floor(y * 20), street.seed)[..., None]
    base = np.where((ax < street.road_half)[..., None], np.array(street.asphalt), np.array(street.paving))
    colour = base * (0.9 + 0.2 * grain)
    # Pavement tiles: 0.6 m grid lines.
    pav = ax >= street.kerb
    tile_line = (np.abs((x % 0.6) - 0.3) > 0.28) | (np.abs((y % 0.6) - 0.3) > 0.28)
    colour = np.where((pav & tile_line)[..., None], colour * 0.82, colour)
    # Kerb stones.
    kerb = (ax >= street.road_half) & (ax < street.kerb)
    colour = np.where(kerb[..., None], np.array([185, 185, 180]) * (0.9 + 0.1 * grain), colour)
    # Road markings: dashed centre line, solid edge lines.
    centre = (ax < 0.07) & ((y % 6.0) < 3.0)
    edge = np.abs(ax - (street.road_half - 0.25)) < 0.06
    colour = np.where((centre | edge)[..., None], np.array([215, 220, 220]), colour)
    # Tactile path: yellow with ridges.
    t0, t1 = street.tactile
    tactile = (x >= t0) & (x <= t1)
    ridges = (np.abs((x - t0) % 0.1 - 0.05) < 0.02)
    colour = np.where(tactile[..., None], np.where(ridges[..., None], np.array([0, 170, 210]), np.array([20, 200, 235])), colour)
    # Painted bicycle bays: white outline and a bicycle-width divider every 0.7 m.
    for x0, x1, y0, y1 in street.bays:
        inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        border = inside & ((x - x0 < 0.08) | (x1 - x < 0.08) | (y - y0 < 0.08) | (y1 - y < 0.08))
        divider = inside & (np.abs(((y - y0) % 0.7) - 0.35) > 0.32) & (x - x0 < 0.5)
        colour = np.where((border | divider)[..., None], np.array([235, 240, 240]), colour)
    img[mask] = colour[mask]


def _facade(shops, y, z, img, mask, grain_seed):
    """Colours facade pixels from the shopfront list at heights z."""
    colour = np.zeros(y.shape + (3,))
    colour[:] = (150, 160, 170)
    for shop in shops:
        s = (y >= shop.y0) & (y < shop.y1)
        colour[s] = shop.wall
        local = y - shop.y0
        width = shop.y1 - shop.y0
        glass = s & (z > 0.3) & (z < 2.6) & (local > 0.25) & (local < width - 0.25)
        door = glass & (np.abs(local - width * 0.7) < 0.5)
        sign = s & (z >= 2.75) & (z < 3.45) & (local > 0.1) & (local < width - 0.1)
        letters = sign & (np.abs(((local * 2.2) % 1.0) - 0.5) < 0.28) & (np.abs(z - 3.1) < 0.18)
        upper_window = s & (z > 4.2) & ((z % 3.0) > 1.0) & ((z % 3.0) < 2.4) & (((local % 2.5) > 0.6) & ((local % 2.5) < 1.9))
        colour[glass] = (95, 80, 60)
        colour[door] = (60, 55, 50)
        colour[sign] = shop.colour
        colour[letters] = (245, 245, 245)
        colour[upper_window] = (120, 105, 90)
        colour[s & (z <= 0.3)] = (90, 90, 95)
    grain = _hash(np.floor(y * 15), np.floor(z * 15), grain_seed)[..., None]
    colour = colour * (0.92 + 0.12 * grain)
    img[mask] = colour[mask]


def render_background(street, cam, night):
    """Returns (base BGR float image, light image) for the camera's view of the street.

    `light` multiplies the base colour: 1 everywhere by day; by night a dark ambient plus lamp pools
    on the ground and light falling on the facades.
    """
    dx, dy, dz = cam.rays()
    h, w = dx.shape
    img = np.zeros((h, w, 3))
    inf = np.full((h, w), np.inf)

    with np.errstate(divide="ignore", invalid="ignore"):
        t_ground = np.where(dz < 0, cam.mount / -dz, inf)
        t_right = np.where(dx > 1e-9, (street.right_facade - cam.cam_x) / dx, inf)
        t_left = np.where(dx < -1e-9, (street.left_facade - cam.cam_x) / dx, inf)
    z_right = cam.mount + dz * t_right
    z_left = cam.mount + dz * t_left
    t_right = np.where((z_right >= 0) & (z_right <= 14) & (dy * t_right > 0.5), t_right, inf)
    t_left = np.where((z_left >= 0) & (z_left <= 14) & (dy * t_left > 0.5), t_left, inf)
    t = np.minimum(np.minimum(t_ground, t_right), t_left)
    hit_ground = np.isfinite(t) & (t == t_ground)
    hit_right = np.isfinite(t) & (t == t_right) & ~hit_ground
    hit_left = np.isfinite(t) & (t == t_left) & ~hit_ground & ~hit_right
    sky = ~np.isfinite(t)

    x = cam.cam_x + dx * np.where(np.isfinite(t), t, 0)
    y = dy * np.where(np.isfinite(t), t, 0)
    z = cam.mount + dz * np.where(np.isfinite(t), t, 0)

    _ground(street, x, y, img, hit_ground)
    _facade(street.shops, y, z, img, hit_right, street.seed)
    _facade(street.left_shops, y, z, img, hit_left, street.seed + 1)
    sky_colour = np.array([40, 25, 20]) if night else np.array([235, 215, 190])
    img[sky] = sky_colour
    # Distance haze by day.
    if not night:
        haze = np.clip(np.where(np.isfinite(t), t, 200) / 220.0, 0, 0.45)[..., None]
        img = img * (1 - haze) + np.array([215, 210, 205]) * haze

    light = np.ones((h, w))
    if night:
        light[:] = 0.16
        for lx, ly in street.lamps:
            d2 = (x - lx) ** 2 + (y - ly) ** 2 + np.where(hit_ground, 0, (z - 0.0) ** 2 * 0.15)
            light += 1.3 * np.exp(-d2 / (2 * 3.2**2))
        # Lit shop windows glow on their own.
        glass = (hit_right | hit_left) & (z > 0.3) & (z < 2.6)
        light = np.where(glass, np.maximum(light, 0.9), light)
        light[sky] = 1.0
    return img, light
