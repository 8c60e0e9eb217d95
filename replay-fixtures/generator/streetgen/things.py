"""Things that happen on a street over time, each made of drawable parts.

An `Actor` knows where its parts are at any time t (seconds): `parts(t)` returns the Sprites and
Plumes to draw, or nothing when the actor is not in view. Every actor also says what it is for the
ground truth: the violation it amounts to while it stays (`violation`), or that it must never
trigger one.
"""

from dataclasses import dataclass, field

import numpy as np

from . import actors as A
from .render import Plume, Sprite


@dataclass
class Path:
    """Piecewise-linear movement through (t, x, y) waypoints; absent outside the first..last time."""

    points: list

    def at(self, t):
        pts = self.points
        if t < pts[0][0] or t > pts[-1][0]:
            return None
        for (t0, x0, y0), (t1, x1, y1) in zip(pts, pts[1:]):
            if t0 <= t <= t1:
                f = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
                return x0 + f * (x1 - x0), y0 + f * (y1 - y0), (x1 != x0 or y1 != y0)
        return pts[-1][1], pts[-1][2], False

    def distance(self, t):
        """Metres travelled by time t (drives the walking animation)."""
        d = 0.0
        for (t0, x0, y0), (t1, x1, y1) in zip(self.points, self.points[1:]):
            if t <= t0:
                break
            f = min(1.0, (t - t0) / (t1 - t0)) if t1 > t0 else 1.0
            d += f * np.hypot(x1 - x0, y1 - y0)
        return d

    @property
    def start(self):
        return self.points[0][0]

    @property
    def end(self):
        return self.points[-1][0]


@dataclass
class Actor:
    name: str
    role: str  # "violation" or "negative" or "background"
    kind: str = ""  # violation kind, for role "violation"
    stay: tuple = ()  # (arrive, leave): when it stands still at its spot
    spot: tuple = ()  # (x, y) street position while it stays
    reason: str = ""  # for negatives: why it must not trigger
    group: str = ""  # actors forming one violation together (a row of bicycles) share a group
    parts_fn: object = field(default=None, repr=False)

    def parts(self, t):
        return self.parts_fn(t)


def _facing(path, t):
    p0, p1 = path.at(max(path.start, t - 0.2)), path.at(min(path.end, t + 0.2))
    if p0 is None or p1 is None:
        return 1
    return 1 if (p1[0] - p0[0]) - (p1[1] - p0[1]) * 0.3 >= 0 else -1


def walker(rng, path, name="walker", role="negative"):
    look = A.look_person(rng)

    def parts(t):
        pos = path.at(t)
        if pos is None:
            return []
        x, y, moving = pos
        phase = (path.distance(t) / 1.4) % 1.0 if moving else None
        return [Sprite(x, y, lambda p, t, ph=phase: A.person(p, look, phase=ph), facing=_facing(path, t), shadow=0.3)]

    return Actor(name, role, reason="stands in a queue" if role == "negative" else "", parts_fn=parts)


def rider(rng, path, vehicle="bicycle", name="rider"):
    """A cyclist or e-bike rider passing through: moving, so never a violation."""
    person_look = A.look_person(rng)
    bike_look = A.look_bike(rng) if vehicle == "bicycle" else A.look_ebike(rng)
    draw_vehicle = A.bicycle if vehicle == "bicycle" else A.ebike

    def parts(t):
        pos = path.at(t)
        if pos is None:
            return []
        x, y, _ = pos
        f = _facing(path, t)
        return [
            Sprite(x, y, lambda p, t: draw_vehicle(p, bike_look), facing=f, shadow=0.6),
            Sprite(x, y - 0.02, lambda p, t: A.person(p, person_look, seated=True), facing=f, lift=0.3),
        ]

    return Actor(name, "negative", reason=f"rides past on {'an e-bike' if vehicle == 'ebike' else 'a bicycle'}", parts_fn=parts)


def parked(rng, vehicle, x, y, arrive, leave, squash=1.0, facing=1, kind="", name="parked", group=""):
    """A bicycle, e-bike or tricycle ridden in, parked from `arrive` to `leave`, then ridden away."""
    look = {"bicycle": A.look_bike, "ebike": A.look_ebike, "tricycle": A.look_tricycle}[vehicle](rng)
    draw = {"bicycle": A.bicycle, "ebike": A.ebike, "tricycle": A.tricycle}[vehicle]
    person_look = A.look_person(rng)
    approach = Path([(arrive - 6, x - 6 * facing, y + 4), (arrive, x, y)])
    depart = Path([(leave, x, y), (leave + 6, x + 6 * facing, y - 3)])
    walk_off = Path([(arrive + 0.5, x + 0.5, y), (arrive + 8, x + 2.5, y + 6)])
    walk_back = Path([(leave - 8, x + 2.5, y + 6), (leave - 0.5, x + 0.5, y)])

    def parts(t):
        out = []
        for path in (approach, depart):
            pos = path.at(t)
            if pos is not None and (path is approach and t < arrive or path is depart and t > leave):
                px, py, _ = pos
                out.append(Sprite(px, py, lambda p, t: draw(p, look), facing=facing, shadow=0.6))
                out.append(Sprite(px, py - 0.02, lambda p, t: A.person(p, person_look, seated=True), facing=facing, lift=0.3))
        if arrive <= t <= leave:
            out.append(Sprite(x, y, lambda p, t: draw(p, look), facing=facing, squash=squash, shadow=0.6 * squash + 0.2))
        for path in (walk_off, walk_back):
            pos = path.at(t)
            if pos is not None:
                out.append(Sprite(pos[0], pos[1], lambda p, t, d=path.distance(t): A.person(p, person_look, phase=(d / 1.4) % 1), shadow=0.3))
        return out

    role = "violation" if kind else "negative"
    return Actor(name, role, kind, (arrive, leave), (x, y), "parked inside its bay" if not kind else "", group, parts)


def stall(rng, style, x, y, arrive, leave, umbrella=False, kind="street_vending", name="stall", passing=False):
    """A vendor's set-up: a cart, a table with goods, or a tricycle loaded with goods, with the
    vendor standing by. It is pushed in from up the street at `arrive` and away at `leave`. A
    `passing` stall never stops: it is a vendor walking through, which must not trigger."""
    vendor = A.look_person(rng)
    cart, tbl, tri, goods_look, umb = A.look_cart(rng), A.look_table(rng), A.look_tricycle(rng), A.look_goods(rng), A.look_umbrella(rng)
    push = 8.0
    if passing:
        moving = Path([(arrive, x, y + 14), (leave, x, y - 6)])
    else:
        moving = Path([(arrive - push, x, y + 10), (arrive, x, y), (leave, x, y), (leave + push, x, y + 10)])

    def body(p, t):
        if style == "cart":
            A.vending_cart(p, cart)
        elif style == "tricycle":
            A.tricycle(p, tri, goods_look)
        else:
            A.table(p, tbl)

    def parts(t):
        pos = moving.at(t)
        if pos is None:
            return []
        px, py, is_moving = pos
        set_up = not is_moving and style == "table"
        if style == "table" and is_moving:
            # A table travels folded on a hand trolley: draw the goods stacked instead.
            out = [Sprite(px, py, lambda p, t: A.goods(p, goods_look, -0.4, 0.4, 0.1), shadow=0.5)]
        else:
            out = [Sprite(px, py, body, shadow=0.9)]
        if umbrella and not is_moving:
            out.append(Sprite(px + 0.3, py + 0.35, lambda p, t: A.umbrella(p, umb)))
        offset = 1.1 if not set_up else 0.9
        out.append(Sprite(px + offset, py - 0.3, lambda p, t, m=is_moving, d=moving.distance(t): A.person(p, vendor, phase=(d / 1.4) % 1 if m else None), shadow=0.3))
        return out

    if passing:
        return Actor(name, "negative", reason="a vendor moving through without stopping", parts_fn=parts)
    return Actor(name, "violation", kind, (arrive, leave), (x, y), parts_fn=parts)


def shop_goods(rng, x, y, out_at, in_at, kind="street_vending", name="shop-goods"):
    """Crates or boxes a shop sets out beyond its shop line (店外经营) and later takes in."""
    looks = [A.look_goods(rng) for _ in range(3)]
    keeper = A.look_person(rng)

    def parts(t):
        if not (out_at <= t <= in_at):
            return []
        # The piles stand in a row along the shop line and overlap in depth: one display, one label.
        out = [Sprite(x, y + i * 1.1, lambda p, t, g=g: A.goods(p, g, -0.45, 0.45, 0.0, group=(name, x, y)), shadow=0.5)
               for i, g in enumerate(looks)]
        if t - out_at < 10 or in_at - t < 10:
            out.append(Sprite(x - 0.8, y + 1.0, lambda p, t: A.person(p, keeper, phase=None), shadow=0.3))
        return out

    return Actor(name, "violation", kind, (out_at, in_at), (x, y), parts_fn=parts)


def barbecue(rng, x, y, start, end, kind="roadside_barbecue", name="barbecue"):
    """A charcoal grill with its smoke and the cook beside it, set up at `start`, gone at `end`."""
    grill_look, cook = A.look_grill(rng), A.look_person(rng)
    seed = int(rng.integers(1 << 30))

    def parts(t):
        if not (start <= t <= end):
            return []
        return [
            Sprite(x, y, lambda p, t: A.grill(p, grill_look, t), shadow=0.6),
            Plume(x, y - 0.01, 1.0, seed),
            Sprite(x + 0.2, y + 0.7, lambda p, t: A.person(p, cook, arms_up=True), shadow=0.3),
        ]

    return Actor(name, "violation", kind, (start, end), (x, y), parts_fn=parts)


def steam_vent(rng, x, y, name="steam"):
    seed = int(rng.integers(1 << 30))
    return Actor(name, "negative", reason="steam from a vent, not smoke from a grill", parts_fn=lambda t: [Plume(x, y, 0.05, seed, steam=True)])


def car_passing(rng, path, night, name="car"):
    look = A.look_car(rng)

    def parts(t):
        pos = path.at(t)
        if pos is None:
            return []
        toward = path.points[-1][2] < path.points[0][2]
        return [Sprite(pos[0], pos[1], lambda p, t: A.car_end(p, look, front=toward, lights=night), shadow=1.0)]

    return Actor(name, "background", parts_fn=parts)


def car_parked(rng, x, y, facing=1, name="parked-car"):
    look = A.look_car(rng)
    return Actor(name, "background", parts_fn=lambda t: [Sprite(x, y, lambda p, t: A.car_side(p, look), facing=facing, shadow=2.0)])


def furniture(x, y, what, name="furniture"):
    draw = A.bench if what == "bench" else A.rubbish_bin
    return Actor(name, "background", parts_fn=lambda t: [Sprite(x, y, lambda p, t: draw(p))])
