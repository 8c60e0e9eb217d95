"""The committed replay scenarios: footage, its camera and zones, and the truth it must yield.

Each scenario is a street, a camera, a time of day and a cast of actors with scripted timings.
`write` renders the footage (H.264 MP4 through x264enc) and writes, beside it, `scenario.toml`
(the camera as a gridwatch config describes one, the wall-clock start, rule overrides) and
`truth.toml` (every violation the footage contains, and every actor that must not trigger one).
A few frames' YOLO labels go to `labels/`, so tests can check a detector against exact boxes and
that regenerating gives identical labels.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import actors as A
from . import things as T
from .camera import Camera
from .encode import Encoder
from .render import View
from .scene import random_street

EARTH_RADIUS_M = 6_371_008.8
RULES = {"street_vending": "vending-on-pavement", "out_of_line_parking": "parking-out-of-bay", "roadside_barbecue": "barbecue-at-night"}
# Actors that the demo configuration catches with a rule of their own rather than their kind's.
ACTOR_RULES = {"shop-goods": "goods-beyond-shop-line", "tricycle-vendor": "vending-from-tricycle"}


@dataclass
class Spec:
    seed: int
    camera_id: str
    start: str  # local wall-clock start, RFC 3339
    seconds: float
    night: bool
    build: object  # (rng, street, seconds, night) -> [Actor]
    description: str
    width: int = 1280
    height: int = 720
    fps: int = 15
    gop: int = 30
    location: tuple = (119.2855, 26.0712)
    bearing: float = 20.0  # degrees clockwise from north of the street's +y direction
    overrides: tuple = ()  # (rule id, key, value)
    label_frames: tuple = (0.25, 0.5, 0.75)  # fractions of the clip whose labels are committed


def _walkers(rng, street, seconds, n, name="walker"):
    out = []
    for i in range(n):
        t0 = rng.uniform(-10, seconds - 5)
        x0, x1 = rng.uniform(street.kerb + 0.3, street.right_facade - 0.4, 2)
        y0, y1 = (4, 34) if rng.random() < 0.5 else (34, 4)
        speed = rng.uniform(1.1, 1.5)
        path = T.Path([(t0, x0, y0), (t0 + abs(y1 - y0) / speed, x1, y1)])
        out.append(T.walker(rng, path, name=f"{name}-{i}", role="background"))
    return out


def _riders(rng, street, seconds, n):
    out = []
    for i in range(n):
        t0 = rng.uniform(-5, seconds - 3)
        x = rng.uniform(street.road_half - 1.8, street.road_half - 0.6)
        y0, y1 = (2, 45) if rng.random() < 0.5 else (45, 2)
        out.append(T.rider(rng, T.Path([(t0, x, y0), (t0 + 43 / rng.uniform(4, 7), x, y1)]), rng.choice(["bicycle", "ebike"]), name=f"rider-{i}"))
    return out


def _cars(rng, street, seconds, n, night):
    out = []
    for i in range(n):
        t0 = rng.uniform(-3, seconds - 2)
        toward = rng.random() < 0.5
        x = rng.uniform(-street.road_half + 1.0, street.road_half - 2.2)
        y0, y1 = (60, 3) if toward else (3, 60)
        out.append(T.car_passing(rng, T.Path([(t0, x, y0), (t0 + 57 / rng.uniform(7, 11), x, y1)]), night, name=f"car-{i}"))
    return out


def vending_day(rng, st, s, night):
    return [
        T.stall(rng, "cart", st.kerb + 1.6, 14, 20, 110, name="cart-vendor"),
        T.stall(rng, "table", st.kerb + 2.2, 22, 40, s + 30, umbrella=True, name="table-vendor"),
        T.stall(rng, "cart", st.kerb + 1.0, 18, 60, 75, passing=True, name="passing-cart"),
        *_walkers(rng, st, s, 8), *_riders(rng, st, s, 4), *_cars(rng, st, s, 5, night),
    ]


def vending_night(rng, st, s, night):
    return [
        T.stall(rng, "tricycle", st.kerb + 1.8, 12, 25, 115, name="tricycle-vendor"),
        *_walkers(rng, st, s, 5), *_riders(rng, st, s, 3), *_cars(rng, st, s, 4, night),
    ]


def shopfront_day(rng, st, s, night):
    queue = [T.walker(rng, T.Path([(-1, st.right_facade - 0.7, 24 + 0.7 * k), (s + 1, st.right_facade - 0.7, 24 + 0.7 * k)]), name=f"queue-{k}") for k in range(5)]
    return [
        T.shop_goods(rng, st.right_facade - 0.9, 12, 15, 110, name="shop-goods"),
        *queue, *_walkers(rng, st, s, 6), *_cars(rng, st, s, 4, night),
    ]


def _bay_spot(st, k, n):
    x0, x1, y0, y1 = st.bays[0]
    return (x0 + x1) / 2, y0 + (k + 0.5) * (y1 - y0) / n


def parking_day(rng, st, s, night):
    in_bay = [T.parked(rng, "bicycle", *_bay_spot(st, k, 4), 10 + 15 * k, s + 20, squash=0.55, name=f"bay-bicycle-{k}") for k in range(3)]
    tx = sum(st.tactile) / 2
    return [
        *in_bay,
        T.parked(rng, "bicycle", tx, 17, 20, 105, squash=0.8, kind="out_of_line_parking", name="bicycle-on-tactile-path"),
        T.parked(rng, "ebike", st.kerb + 3.3, 11, 40, s + 20, squash=0.9, kind="out_of_line_parking", name="ebike-on-pavement"),
        *_riders(rng, st, s, 5), *_walkers(rng, st, s, 6), *_cars(rng, st, s, 3, night),
    ]


def parking_night(rng, st, s, night):
    return [
        T.parked(rng, "tricycle", st.kerb + 2.6, 13, 30, 120, kind="out_of_line_parking", name="tricycle-on-pavement"),
        T.parked(rng, "ebike", *_bay_spot(st, 1, 4), 15, s + 20, squash=0.6, name="bay-ebike"),
        *_riders(rng, st, s, 4), *_walkers(rng, st, s, 4), *_cars(rng, st, s, 4, night),
    ]


def barbecue_night(rng, st, s, night):
    return [
        T.barbecue(rng, st.kerb + 2.0, 12, 20, 140, name="grill"),
        T.steam_vent(rng, st.kerb + 3.6, 19, name="steam-vent"),
        *_walkers(rng, st, s, 5), *_cars(rng, st, s, 5, night),
    ]


def barbecue_day(rng, st, s, night):
    return [T.barbecue(rng, st.kerb + 2.0, 12, 15, 100, name="grill-in-daytime"), *_walkers(rng, st, s, 5), *_cars(rng, st, s, 3, night)]


def negatives_day(rng, st, s, night):
    queue = [T.walker(rng, T.Path([(-1, st.right_facade - 0.7, 20 + 0.7 * k), (s + 1, st.right_facade - 0.7, 20 + 0.7 * k)]), name=f"queue-{k}") for k in range(4)]
    return [
        T.stall(rng, "cart", st.kerb + 1.2, 15, 20, 40, passing=True, name="passing-cart-1"),
        T.stall(rng, "tricycle", st.kerb + 1.5, 15, 80, 105, passing=True, name="passing-tricycle"),
        T.steam_vent(rng, st.kerb + 3.2, 12, name="steam-vent"),
        T.car_parked(rng, st.road_half - 1.0, 26, name="parked-car"),
        T.furniture(st.kerb + 0.5, 9, "bench"), T.furniture(st.kerb + 0.4, 21, "bin"),
        *queue, *_riders(rng, st, s, 8), *_walkers(rng, st, s, 10), *_cars(rng, st, s, 5, night),
    ]


def crowded_day(rng, st, s, night):
    tx = sum(st.tactile) / 2
    return [
        T.stall(rng, "table", st.kerb + 2.0, 13, 20, 115, umbrella=True, name="table-vendor"),
        *[T.parked(rng, "bicycle", tx, 20 + 0.7 * k, 30 + 3 * k, s + 20, squash=0.6, kind="out_of_line_parking", name=f"bicycle-row-{k}", group="bicycle-row") for k in range(3)],
        *_walkers(rng, st, s, 26, name="crowd"), *_riders(rng, st, s, 4), *_cars(rng, st, s, 3, night),
    ]


def long_mixed(rng, st, s, night):
    tx = sum(st.tactile) / 2
    return [
        T.stall(rng, "cart", st.kerb + 1.6, 13, 30, 250, name="morning-cart"),
        T.parked(rng, "ebike", tx, 18, 200, 480, squash=0.8, kind="out_of_line_parking", name="ebike-on-tactile-path"),
        T.shop_goods(rng, st.right_facade - 0.9, 10, 350, 600, name="shop-goods"),
        T.stall(rng, "tricycle", st.kerb + 1.2, 16, 300, 330, passing=True, name="passing-tricycle"),
        T.stall(rng, "table", st.kerb + 2.4, 22, 500, s + 30, umbrella=True, name="afternoon-table"),
        *_walkers(rng, st, s, 40), *_riders(rng, st, s, 25), *_cars(rng, st, s, 20, night),
    ]


def decode_1080p(rng, st, s, night):
    return [*_walkers(rng, st, s, 6), *_riders(rng, st, s, 3), *_cars(rng, st, s, 3, night)]


SCENARIOS = {
    "vending-day": Spec(1, "market-st", "2026-06-01T10:00:00+08:00", 150, False, vending_day,
                        "A cart vendor sets up on the pavement and leaves; a table stall with an umbrella stays; another cart passes without stopping.",
                        overrides=(("vending-on-pavement", "dwell", "45s"), ("vending-on-pavement", "clear_after", "20s"))),
    "vending-night": Spec(2, "market-st", "2026-06-01T21:30:00+08:00", 150, True, vending_night,
                          "A tricycle loaded with goods sells on the pavement at night, under street lamps and headlights.",
                          overrides=(("vending-from-tricycle", "dwell", "45s"), ("vending-from-tricycle", "clear_after", "20s"))),
    "shopfront-day": Spec(3, "market-st", "2026-06-02T09:00:00+08:00", 150, False, shopfront_day,
                          "A shop sets crates out beyond its shop line (店外经营) and takes them in; a queue waits at another shop.",
                          overrides=(("goods-beyond-shop-line", "dwell", "45s"), ("goods-beyond-shop-line", "clear_after", "20s"))),
    "parking-day": Spec(4, "metro-exit", "2026-06-02T08:10:00+08:00", 150, False, parking_day,
                        "Bicycles park inside their bay (allowed); one stands on the tactile path and an e-bike on the pavement (violations).",
                        location=(119.2962, 26.0701), bearing=95.0,
                        overrides=(("parking-out-of-bay", "dwell", "45s"), ("parking-out-of-bay", "clear_after", "20s"))),
    "parking-night": Spec(5, "metro-exit", "2026-06-02T22:40:00+08:00", 150, True, parking_night,
                          "A cargo tricycle is left on the pavement at night; an e-bike parks in its bay.",
                          location=(119.2962, 26.0701), bearing=95.0,
                          overrides=(("parking-out-of-bay", "dwell", "45s"), ("parking-out-of-bay", "clear_after", "20s"))),
    "barbecue-night": Spec(6, "night-lane", "2026-06-03T22:00:00+08:00", 165, True, barbecue_night,
                           "A charcoal grill smokes at the roadside at night with its cook; steam rises from a vent nearby.",
                           location=(119.2841, 26.0633), bearing=250.0,
                           overrides=(("barbecue-at-night", "dwell", "45s"), ("barbecue-at-night", "clear_after", "20s"))),
    "barbecue-day": Spec(7, "night-lane", "2026-06-03T14:00:00+08:00", 120, False, barbecue_day,
                         "The same grill in mid-afternoon: outside the barbecue rule's hours, so it must not be reported.",
                         location=(119.2841, 26.0633), bearing=250.0,
                         overrides=(("barbecue-at-night", "dwell", "45s"),)),
    "negatives-day": Spec(8, "market-st", "2026-06-04T11:00:00+08:00", 150, False, negatives_day,
                          "Nothing to report: riders, carts passing through, a queue, steam, a parked car, street furniture."),
    "crowded-day": Spec(9, "market-st", "2026-06-05T12:00:00+08:00", 150, False, crowded_day,
                        "A busy lunchtime pavement: a table stall and a row of bicycles on the tactile path, often hidden by passers-by.",
                        overrides=(("vending-on-pavement", "dwell", "45s"), ("vending-on-pavement", "clear_after", "20s"),
                                   ("parking-out-of-bay", "dwell", "45s"))),
    "long-mixed": Spec(10, "market-st", "2026-06-06T07:50:00+08:00", 660, False, long_mixed,
                       "Eleven minutes of an ordinary morning: a vendor, a parked e-bike, shop goods, a passing tricycle, a table stall that stays.",
                       width=640, height=360, label_frames=(0.1, 0.5, 0.9),
                       overrides=(("vending-on-pavement", "dwell", "3m"), ("goods-beyond-shop-line", "dwell", "3m"),
                                  ("parking-out-of-bay", "dwell", "3m"))),
    "decode-1080p": Spec(11, "market-st", "2026-06-07T10:00:00+08:00", 30, False, decode_1080p,
                         "Thirty seconds at 1920×1080, 25 fps, GOP 50, for decode benchmarks; nothing to report.",
                         width=1920, height=1080, fps=25, gop=50, label_frames=(0.5,)),
}


def camera_for(spec, rng):
    return Camera(spec.width, spec.height, focal=spec.width * rng.uniform(0.85, 0.95), mount=rng.uniform(5.5, 7.0),
                  pitch=rng.uniform(0.3, 0.4), cam_x=rng.uniform(-3.0, -1.5), yaw=rng.uniform(0.45, 0.6))


def to_geo(spec, cam, x, y):
    """Street point → (lon, lat), given the camera's position and the street's bearing."""
    b = math.radians(spec.bearing)
    dx = x - cam.cam_x
    east = dx * math.cos(b) + y * math.sin(b)
    north = -dx * math.sin(b) + y * math.cos(b)
    lon0, lat0 = spec.location
    return lon0 + math.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(lat0)))), lat0 + math.degrees(north / EARTH_RADIUS_M)


def _clip(poly, w, h):
    """Sutherland–Hodgman clipping of an image polygon to the frame."""
    def cut(points, inside, cross):
        out = []
        for i, p in enumerate(points):
            q = points[i - 1]
            if inside(p):
                if not inside(q):
                    out.append(cross(q, p))
                out.append(p)
            elif inside(q):
                out.append(cross(q, p))
        return out

    def at_x(x0):
        return lambda a, b: (x0, a[1] + (b[1] - a[1]) * (x0 - a[0]) / (b[0] - a[0]))

    def at_y(y0):
        return lambda a, b: (a[0] + (b[0] - a[0]) * (y0 - a[1]) / (b[1] - a[1]), y0)

    for inside, cross in ((lambda p: p[0] >= 0, at_x(0)), (lambda p: p[0] <= w, at_x(w)),
                          (lambda p: p[1] >= 0, at_y(0)), (lambda p: p[1] <= h, at_y(h))):
        poly = cut(poly, inside, cross)
        if not poly:
            return []
    return poly


def ground_polygon(cam, corners):
    """Street-plane rectangle corners → the zone outline in image pixels, clipped to the frame."""
    pts = []
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1]):
        for f in np.linspace(0, 1, 8, endpoint=False):  # sample edges: clipping needs points in front
            x, y = x0 + f * (x1 - x0), y0 + f * (y1 - y0)
            if cam.depth(x, y, 0) > 0.5:
                u, v = cam.project(x, y, 0)
                pts.append((float(u), float(v)))
    clipped = [(round(u, 1), round(v, 1)) for u, v in _clip(pts, cam.width, cam.height)]
    # Drop repeated and collinear points: the edges were sampled only so that clipping works.
    out = []
    for i, p in enumerate(clipped):
        a, b = clipped[i - 1], clipped[(i + 1) % len(clipped)]
        cross = (p[0] - a[0]) * (b[1] - a[1]) - (p[1] - a[1]) * (b[0] - a[0])
        if abs(cross) > 0.5 * math.hypot(b[0] - a[0], b[1] - a[1]) and p != a:
            out.append(p)
    return out


def zones(st, cam):
    apron = st.right_facade - 1.5
    z = [("pavement", "sidewalk", [(st.kerb, 4), (apron, 4), (apron, 45), (st.kerb, 45)]),
         ("shop-apron", "shopfront", [(apron, 4), (st.right_facade, 4), (st.right_facade, 45), (apron, 45)])]
    for i, (x0, x1, y0, y1) in enumerate(st.bays):
        z.append((f"bay-{i + 1}", "parking_bay", [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]))
    return [(zid, role, ground_polygon(cam, corners)) for zid, role, corners in z]


def zone_of(st, actor):
    x, y = actor.spot
    if actor.kind == "out_of_line_parking":
        return None
    return "shop-apron" if x >= st.right_facade - 1.5 else "pavement"


def _duration(text):
    return float(text[:-1]) * {"s": 1, "m": 60}[text[-1]]


def truth(spec, st, actors):
    over = {(r, k): v for r, k, v in spec.overrides}
    lines = [f"# Expected events of scenario footage; times are seconds from the first frame.", ""]
    # Actors of one group are one violation: it begins with the first and ends with the last.
    groups = {}
    for a in actors:
        if a.role == "violation" and a.group:
            first = groups.setdefault(a.group, a)
            if first is not a:
                first.stay = (min(first.stay[0], a.stay[0]), max(first.stay[1], a.stay[1]))
                first.name = a.group
    for a in actors:
        if a.role != "violation" or (a.group and groups[a.group] is not a):
            continue
        rule = ACTOR_RULES.get(a.name, RULES[a.kind])
        dwell = _duration(over.get((rule, "dwell"), "2m" if a.kind == "roadside_barbecue" else "5m"))
        clear_after = _duration(over.get((rule, "clear_after"), "2m"))
        arrive, leave = a.stay
        in_window = not (a.kind == "roadside_barbecue" and not spec.night)
        stays_long_enough = min(leave, spec.seconds) - arrive >= dwell
        section = "expected" if in_window and stays_long_enough else "must_not_fire"
        lines.append(f"[[{section}]]")
        lines.append(f'actor = "{a.name}"')
        lines.append(f'kind = "{a.kind}"')
        lines.append(f'rule = "{rule}"')
        zone = zone_of(st, a)
        if zone:
            lines.append(f'zone = "{zone}"')
        lines.append(f"present = [{arrive:.1f}, {min(leave, spec.seconds):.1f}]")
        if section == "expected":
            lines.append(f"onset = [{arrive:.1f}, {arrive + 10:.1f}]")
            lines.append(f"confirmed = [{arrive + dwell:.1f}, {arrive + dwell + 20:.1f}]")
            if leave + clear_after + 20 <= spec.seconds:
                lines.append(f"cleared = [{leave + clear_after - 5:.1f}, {leave + clear_after + 20:.1f}]")
        else:
            reason = "outside the rule's time window" if not in_window else "does not stay for the rule's dwell time"
            lines.append(f'reason = "{reason}"')
        lines.append("")
    for a in actors:
        if a.role == "negative":
            lines += ["[[must_not_fire]]", f'actor = "{a.name}"', f'reason = "{a.reason}"', ""]
    return "\n".join(lines)


def scenario_toml(name, spec, st, cam):
    rng_pts = [(st.kerb + 0.5, 8), (st.right_facade - 0.5, 8), (st.right_facade - 0.5, 24), (st.kerb + 0.5, 24)]
    image = [cam.project(x, y, 0) for x, y in rng_pts]
    geo = [to_geo(spec, cam, x, y) for x, y in rng_pts]
    lon, lat = to_geo(spec, cam, cam.cam_x, 0)
    out = [
        f"# Scenario `{name}`: {spec.description}",
        "# Generated by replay-fixtures/generator/generate.py scenarios; do not edit by hand.",
        "",
        "[scenario]",
        f'name = "{name}"',
        f"seed = {spec.seed}",
        f"start = {spec.start}",
        f"seconds = {spec.seconds}",
        f"fps = {spec.fps}",
        f"width = {spec.width}",
        f"height = {spec.height}",
        f"night = {'true' if spec.night else 'false'}",
        "",
        "# The camera, written as a gridwatch configuration's [[cameras]] entry.",
        "[camera]",
        f'id = "{spec.camera_id}"',
        'uri = "footage.mp4"',
        f"location = {{ lon = {lon:.7f}, lat = {lat:.7f} }}",
        "calibration = { image = [" + ", ".join(f"[{u:.1f}, {v:.1f}]" for u, v in image) + "], geo = ["
        + ", ".join(f"{{ lon = {g[0]:.7f}, lat = {g[1]:.7f} }}" for g in geo) + "] }",
        "zones = [",
    ]
    for zid, role, pts in zones(st, cam):
        out.append(f'  {{ id = "{zid}", role = "{role}", points = [' + ", ".join(f"[{u}, {v}]" for u, v in pts) + "] },")
    out.append("]")
    rules = {}
    for rule, key, value in spec.overrides:
        rules.setdefault(rule, []).append(f'{key} = "{value}"')
    for rule, kv in rules.items():
        out += ["", f"[rules.{rule}]", *kv]
    return "\n".join(out) + "\n"


def build(name):
    spec = SCENARIOS[name]
    rng = np.random.default_rng(spec.seed)
    st = random_street(rng)
    cam = camera_for(spec, rng)
    actors = spec.build(rng, st, spec.seconds, spec.night)
    return spec, st, cam, actors


def render_frame(spec, view, actors, n):
    """Frame n of a scenario: (image, labels)."""
    t = n / spec.fps
    parts = [p for a in actors for p in a.parts(t)]
    drift = 1.0 + 0.06 * math.sin(2 * math.pi * t / 97.0)  # slow lighting drift
    return view.frame(parts, t, np.random.default_rng((spec.seed, n)), exposure=drift)


def frame_labels(name, frames):
    """YOLO label lines of the given frames, rendered afresh."""
    spec, st, cam, actors = build(name)
    view = View(st, cam, spec.night)
    return {n: [_yolo(cls, box, spec) for cls, *box in render_frame(spec, view, actors, n)[1]] for n in frames}


def _yolo(cls, box, spec):
    u0, v0, u1, v1 = box
    w, h = spec.width, spec.height
    return f"{A.CLASSES.index(cls)} {(u0 + u1) / 2 / w:.6f} {(v0 + v1) / 2 / h:.6f} {(u1 - u0) / w:.6f} {(v1 - v0) / h:.6f}"


def write(root, names, metadata_only=False):
    """Renders each scenario and writes its files; with `metadata_only`, rewrites only
    scenario.toml and truth.toml (for changes to the truth, not to the pictures)."""
    for name in names or SCENARIOS:
        spec, st, cam, actors = build(name)
        folder = Path(root, name)
        if metadata_only:
            (folder / "scenario.toml").write_text(scenario_toml(name, spec, st, cam))
            (folder / "truth.toml").write_text(truth(spec, st, actors))
            continue
        (folder / "labels").mkdir(parents=True, exist_ok=True)
        view = View(st, cam, spec.night)
        total = int(spec.seconds * spec.fps)
        keep = {int(f * total) for f in spec.label_frames}
        encoder = Encoder(folder / "footage.mp4", spec.width, spec.height, spec.fps, spec.gop)
        for n in range(total):
            image, boxes = render_frame(spec, view, actors, n)
            encoder.write(image)
            if n in keep:
                (folder / "labels" / f"{n:06d}.txt").write_text("".join(_yolo(c, b, spec) + "\n" for c, *b in boxes))
        encoder.close()
        (folder / "scenario.toml").write_text(scenario_toml(name, spec, st, cam))
        (folder / "truth.toml").write_text(truth(spec, st, actors))
        print(f"{name}: {total} frames, {(folder / 'footage.mp4').stat().st_size / 1e6:.1f} MB")
