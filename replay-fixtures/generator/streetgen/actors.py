"""What the street is full of, drawn recognisably in side or front view, in metres.

Every function draws one thing with a `Painter` standing at the thing's ground position and labels
it with its detector class (or leaves it unlabelled, for distractors). A thing's look is sampled
once (`look_*`) so it stays the same from frame to frame.
"""

import numpy as np

CLASSES = ("person", "bicycle", "ebike", "tricycle", "vending_cart", "umbrella", "table", "goods", "grill", "smoke", "car")

SKIN = [(120, 160, 205), (95, 135, 185), (140, 175, 215), (80, 110, 150)]
HAIR = [(20, 20, 25), (35, 40, 50), (60, 70, 90), (150, 150, 155)]


def _c(rng, lo=30, hi=230):
    return tuple(int(v) for v in rng.integers(lo, hi, 3))


def look_person(rng):
    return dict(
        height=rng.uniform(1.55, 1.85),
        shirt=_c(rng),
        trousers=_c(rng, 20, 140),
        skin=SKIN[rng.integers(len(SKIN))],
        hair=HAIR[rng.integers(len(HAIR))],
        width=rng.uniform(0.85, 1.1),
        apron=bool(rng.random() < 0.3),
    )


def person(p, look, phase=None, seated=False, arms_up=False):
    """A standing (phase None) or walking person; `phase` in [0, 1) animates the stride."""
    h, w = look["height"], look["width"]
    p.label("person")
    hip, shoulder = 0.52 * h, 0.82 * h
    swing = 0.0 if phase is None else 0.22 * np.sin(2 * np.pi * phase)
    leg_w = 0.12 * w
    for side, s in ((-1, swing), (1, -swing)):
        if seated:
            p.line((side * 0.07, hip), (side * 0.07 + 0.35, hip - 0.05), leg_w, look["trousers"])
            p.line((side * 0.07 + 0.35, hip - 0.05), (side * 0.07 + 0.35, 0.02), leg_w, look["trousers"])
        else:
            p.line((side * 0.06, hip), (side * 0.06 + s * h * 0.5, 0.04), leg_w, look["trousers"])
            p.rect(side * 0.06 + s * h * 0.5 - 0.06, 0.0, side * 0.06 + s * h * 0.5 + 0.08, 0.06, (30, 30, 30))
    p.poly([(-0.19 * w, hip), (0.19 * w, hip), (0.21 * w, shoulder), (-0.21 * w, shoulder)], look["shirt"])
    if look["apron"]:
        p.rect(-0.14 * w, hip - 0.15, 0.14 * w, shoulder - 0.12, (235, 235, 235))
    for side in (-1, 1):
        if arms_up:
            p.line((side * 0.2 * w, shoulder - 0.03), (side * 0.35, shoulder - 0.22), 0.08, look["shirt"])
            p.line((side * 0.35, shoulder - 0.22), (side * 0.12, shoulder - 0.3), 0.07, look["skin"])
        else:
            a = -swing * side
            p.line((side * 0.21 * w, shoulder - 0.03), (side * 0.24 * w + a * 0.3, hip - 0.02), 0.08, look["shirt"])
            p.circle(side * 0.24 * w + a * 0.3, hip - 0.04, 0.045, look["skin"])
    p.rect(-0.05, shoulder, 0.05, shoulder + 0.06, look["skin"])
    p.circle(0, 0.92 * h, 0.1, look["skin"])
    p.poly([(-0.1, 0.93 * h), (0.1, 0.93 * h), (0.08, 1.0 * h), (-0.08, 1.0 * h)], look["hair"])


def look_bike(rng):
    return dict(frame=_c(rng), wheel=rng.uniform(0.31, 0.36), basket=bool(rng.random() < 0.4))


def bicycle(p, look):
    r = look["wheel"]
    p.label("bicycle")
    rear, front = (-0.52, r), (0.52, r)
    for cx, cz in (rear, front):
        p.circle(cx, cz, r, (25, 25, 25), width=0.045)
        p.circle(cx, cz, 0.04, (120, 120, 120))
    crank, seat, head = (-0.02, r), (-0.18, r + 0.48), (0.38, r + 0.5)
    for a, b in ((rear, crank), (crank, seat), (seat, rear), (crank, head), (seat, head), (head, front)):
        p.line(a, b, 0.035, look["frame"])
    p.line((seat[0] - 0.1, seat[1] + 0.05), (seat[0] + 0.08, seat[1] + 0.05), 0.06, (20, 20, 20))
    p.line(head, (head[0] - 0.02, head[1] + 0.18), 0.03, (60, 60, 60))
    p.line((head[0] - 0.12, head[1] + 0.18), (head[0] + 0.08, head[1] + 0.2), 0.03, (40, 40, 40))
    if look["basket"]:
        p.rect(0.42, r + 0.35, 0.7, r + 0.58, (70, 110, 140))


def look_ebike(rng):
    return dict(body=_c(rng), wheel=rng.uniform(0.26, 0.3), box=bool(rng.random() < 0.35))


def ebike(p, look):
    r = look["wheel"]
    p.label("ebike")
    for cx in (-0.6, 0.6):
        p.circle(cx, r, r, (20, 20, 20), width=0.08)
        p.circle(cx, r, r * 0.45, (150, 150, 155))
    # Step-through body shell, footboard, seat and battery.
    p.poly([(-0.75, r + 0.05), (-0.25, r - 0.05), (0.35, r - 0.05), (0.5, r + 0.45), (0.38, r + 0.5), (0.2, r + 0.12), (-0.2, r + 0.15), (-0.7, r + 0.45)], look["body"])
    p.rect(-0.72, r + 0.42, -0.2, r + 0.55, (25, 25, 25))
    p.line((0.44, r + 0.45), (0.5, r + 0.85), 0.05, look["body"])
    p.line((0.35, r + 0.85), (0.68, r + 0.88), 0.035, (30, 30, 30))
    p.circle(0.62, r + 0.62, 0.07, (200, 220, 230))
    if look["box"]:
        p.rect(-0.85, r + 0.55, -0.4, r + 0.9, (40, 40, 170))


def look_tricycle(rng):
    return dict(frame=_c(rng), cargo=_c(rng, 60, 200), wheel=rng.uniform(0.26, 0.3))


def tricycle(p, look, goods_look=None):
    """A cargo tricycle; with `goods_look` it carries goods in its box (labelled separately)."""
    r = look["wheel"]
    p.label("tricycle")
    p.circle(0.95, r, r, (20, 20, 20), width=0.06)
    for cx in (-0.75, -0.55):
        p.circle(cx, r, r, (20, 20, 20), width=0.06)
    p.rect(-1.2, r + 0.1, 0.0, r + 0.2, look["frame"])
    p.poly([(-1.25, r + 0.2), (0.0, r + 0.2), (0.0, r + 0.62), (-1.25, r + 0.62)], look["cargo"])
    p.line((-1.25, r + 0.62), (0.0, r + 0.62), 0.04, (40, 40, 40))
    p.line((0.0, r + 0.2), (0.85, r + 0.35), 0.05, look["frame"])
    p.line((0.85, r + 0.35), (0.95, r), 0.04, look["frame"])
    p.line((0.75, r + 0.35), (0.72, r + 0.85), 0.04, look["frame"])
    p.line((0.6, r + 0.85), (0.9, r + 0.88), 0.035, (30, 30, 30))
    p.rect(0.05, r + 0.55, 0.35, r + 0.62, (20, 20, 20))
    if goods_look is not None:
        goods(p, goods_look, -1.2, -0.05, r + 0.62)


def look_goods(rng):
    return dict(
        kind=rng.choice(["fruit", "crates", "boxes", "clothes"]),
        colours=[_c(rng, 40, 240) for _ in range(6)],
        seed=int(rng.integers(1 << 30)),
    )


def goods(p, look, x0, x1, base, group=None):
    """A pile of merchandise between x0 and x1 standing on height `base`; piles of one `group` are
    labelled as one display."""
    rng = np.random.default_rng(look["seed"])
    p.label("goods", group)
    width = x1 - x0
    kind, colours = look["kind"], look["colours"]
    if kind == "fruit":
        p.rect(x0, base, x1, base + 0.12, (60, 100, 150))
        n = max(4, int(width / 0.09))
        for i in range(n):
            for row in range(2):
                cx = x0 + (i + 0.5 + 0.5 * row) * width / (n + 0.5)
                p.circle(cx, base + 0.16 + row * 0.09, 0.055, colours[(i + row) % 3])
    elif kind == "crates":
        n = max(1, int(width / 0.45))
        for i in range(n):
            cx0 = x0 + i * width / n
            for level in range(1 + int(rng.integers(0, 2))):
                z0 = base + level * 0.3
                p.rect(cx0 + 0.02, z0, cx0 + width / n - 0.02, z0 + 0.28, colours[i % 4])
                p.line((cx0 + 0.04, z0 + 0.14), (cx0 + width / n - 0.04, z0 + 0.14), 0.025, (40, 40, 40))
    elif kind == "boxes":
        cx = x0
        while cx < x1 - 0.15:
            bw = min(rng.uniform(0.25, 0.45), x1 - cx)
            bh = rng.uniform(0.2, 0.45)
            p.rect(cx, base, cx + bw - 0.02, base + bh, (90, 150, 190))
            p.line((cx + bw / 2, base), (cx + bw / 2, base + bh), 0.02, (60, 110, 150))
            cx += bw
    else:  # folded clothes in stacks
        n = max(2, int(width / 0.3))
        for i in range(n):
            cx0 = x0 + i * width / n
            for level in range(3):
                z0 = base + level * 0.07
                p.rect(cx0 + 0.02, z0, cx0 + width / n - 0.02, z0 + 0.065, colours[(i + level) % 6])


def look_cart(rng):
    return dict(body=_c(rng, 120, 240), awning=_c(rng), length=rng.uniform(1.4, 1.9), goods=look_goods(rng))


def vending_cart(p, look):
    """A hand cart with a glass display and an awning; its goods are part of the stall."""
    length = look["length"]
    h0, h1 = 0.35, 1.05
    p.label("vending_cart")
    for cx in (-length / 2 + 0.3, length / 2 - 0.3):
        p.circle(cx, 0.22, 0.22, (25, 25, 25), width=0.06)
    p.rect(-length / 2, h0, length / 2, h1, look["body"])
    p.rect(-length / 2 + 0.08, h0 + 0.08, length / 2 - 0.08, h1 - 0.35, tuple(int(c * 0.8) for c in look["body"]))
    p.rect(-length / 2, h1, length / 2, h1 + 0.45, (170, 160, 140))  # glass case
    for cx in (-length / 2, length / 2):
        p.line((cx, h1 + 0.45), (cx, h1 + 1.05), 0.04, (60, 60, 60))
    p.poly([(-length / 2 - 0.15, h1 + 1.0), (length / 2 + 0.15, h1 + 1.0), (length / 2, h1 + 1.2), (-length / 2, h1 + 1.2)], look["awning"])
    p.line((-length / 2 - 0.2, h0 + 0.3), (-length / 2 - 0.5, h0 + 0.55), 0.04, (60, 60, 60))
    goods(p, look["goods"], -length / 2 + 0.1, length / 2 - 0.1, h1 + 0.02)


def look_umbrella(rng):
    return dict(a=_c(rng, 60, 250), b=_c(rng, 180, 255), radius=rng.uniform(0.9, 1.3), pole=rng.uniform(1.9, 2.3))


def umbrella(p, look):
    r, top = look["radius"], look["pole"]
    p.label("umbrella")
    p.line((0, 0.0), (0, top), 0.04, (70, 70, 70))
    p.rect(-0.25, 0.0, 0.25, 0.08, (60, 60, 60))
    apex, rim = top + 0.05, top - 0.38
    arc = [(r * np.cos(a), rim + 0.3 * np.sin(a)) for a in np.linspace(0, np.pi, 9)]
    for i in range(8):
        p.poly([(0, apex), arc[i], arc[i + 1], (arc[i + 1][0], rim), (arc[i][0], rim)], look["a"] if i % 2 else look["b"])
    p.poly([(-r, rim), (r, rim), (r * 0.92, rim - 0.08), (-r * 0.92, rim - 0.08)], look["a"])


def look_table(rng):
    return dict(top=_c(rng, 120, 250), width=rng.uniform(1.0, 1.6), cloth=bool(rng.random() < 0.5), goods=look_goods(rng))


def table(p, look, with_goods=True):
    w = look["width"]
    p.label("table")
    if look["cloth"]:
        p.poly([(-w / 2, 0.76), (w / 2, 0.76), (w / 2 + 0.03, 0.35), (-w / 2 - 0.03, 0.35)], look["top"])
    for side in (-1, 1):
        p.line((side * (w / 2 - 0.1), 0.74), (side * (w / 2 - 0.35), 0.0), 0.035, (80, 80, 80))
        p.line((side * (w / 2 - 0.35), 0.74), (side * (w / 2 - 0.1), 0.0), 0.035, (80, 80, 80))
    p.rect(-w / 2, 0.72, w / 2, 0.78, look["top"] if not look["cloth"] else (200, 200, 200))
    if with_goods:
        goods(p, look["goods"], -w / 2 + 0.05, w / 2 - 0.05, 0.78)


def look_grill(rng):
    return dict(length=rng.uniform(0.9, 1.4), body=_c(rng, 30, 90), seed=int(rng.integers(1 << 30)))


def grill(p, look, t):
    """A charcoal trough on legs with glowing coals and skewers; the coals flicker."""
    length = look["length"]
    p.label("grill")
    for cx in (-length / 2 + 0.08, length / 2 - 0.08):
        p.line((cx, 0.0), (cx, 0.62), 0.035, (50, 50, 50))
    p.line((-length / 2 + 0.08, 0.25), (length / 2 - 0.08, 0.25), 0.025, (50, 50, 50))
    p.poly([(-length / 2, 0.62), (length / 2, 0.62), (length / 2 + 0.03, 0.85), (-length / 2 - 0.03, 0.85)], look["body"])
    rng = np.random.default_rng(look["seed"] + int(t * 5))
    n = int(length / 0.07)
    for i in range(n):
        glow = rng.uniform(0.6, 1.0)
        p.circle(-length / 2 + (i + 0.5) * length / n, 0.85, 0.035, (40 * glow, 110 * glow, 255 * glow), emissive=True)
    for i in range(int(length / 0.12)):
        x = -length / 2 + 0.08 + i * 0.12
        p.line((x, 0.88), (x + 0.02, 0.88), 0.02, (70, 120, 170))
        p.line((x - 0.03, 0.87), (x + 0.05, 1.02), 0.012, (150, 180, 200))


def look_car(rng):
    return dict(body=_c(rng, 20, 230), length=rng.uniform(4.0, 4.7), height=rng.uniform(1.35, 1.6))


def car_side(p, look, lights=False):
    length, height = look["length"], look["height"]
    p.label("car")
    p.poly([(-length / 2, 0.3), (length / 2, 0.3), (length / 2, 0.85), (length / 2 - 0.5, 0.95), (-length / 2 + 0.2, 0.95), (-length / 2, 0.8)], look["body"])
    p.poly([(-length / 2 + 0.9, 0.95), (length / 2 - 1.1, 0.95), (length / 2 - 1.6, height), (-length / 2 + 1.2, height)], look["body"])
    p.poly([(-length / 2 + 1.05, 1.0), (length / 2 - 1.2, 1.0), (length / 2 - 1.65, height - 0.06), (-length / 2 + 1.3, height - 0.06)], (70, 60, 50))
    for cx in (-length / 2 + 0.75, length / 2 - 0.8):
        p.circle(cx, 0.32, 0.32, (20, 20, 20))
        p.circle(cx, 0.32, 0.16, (150, 150, 150))
    if lights:
        p.circle(length / 2 - 0.05, 0.75, 0.08, (220, 250, 255), emissive=True)
        p.circle(-length / 2 + 0.05, 0.75, 0.07, (30, 30, 230), emissive=True)


def car_end(p, look, front, lights=False):
    """A car seen from the front or the back, as traffic passing along the road is."""
    height = look["height"]
    p.label("car")
    p.poly([(-0.9, 0.3), (0.9, 0.3), (0.92, 0.95), (-0.92, 0.95)], look["body"])
    p.poly([(-0.78, 0.95), (0.78, 0.95), (0.62, height), (-0.62, height)], look["body"])
    p.poly([(-0.7, 1.0), (0.7, 1.0), (0.58, height - 0.07), (-0.58, height - 0.07)], (70, 60, 50))
    for side in (-1, 1):
        p.rect(side * 0.78 - 0.12, 0.0, side * 0.78 + 0.12, 0.32, (20, 20, 20))
        lamp = (230, 250, 255) if front else (40, 40, 220)
        p.rect(side * 0.8 - 0.12, 0.62, side * 0.8 + 0.12, 0.75, lamp if lights else (200, 200, 200) if front else (50, 50, 160), emissive=lights)
        if lights and front:
            p.glow(side * 0.8, 0.68, 0.9)
    p.rect(-0.3, 0.4, 0.3, 0.52, (230, 230, 230))


# ---- distractors: never labelled ------------------------------------------------------------


def bench(p, colour=(60, 90, 130)):
    p.unlabelled()
    for cx in (-0.7, 0.7):
        p.line((cx, 0.0), (cx, 0.45), 0.05, (50, 50, 50))
    p.rect(-0.9, 0.42, 0.9, 0.5, colour)
    p.rect(-0.9, 0.65, 0.9, 0.75, colour)


def rubbish_bin(p, colour=(40, 120, 40)):
    p.unlabelled()
    p.rect(-0.25, 0.0, 0.25, 0.9, colour)
    p.rect(-0.28, 0.9, 0.28, 1.0, tuple(int(c * 0.7) for c in colour))
