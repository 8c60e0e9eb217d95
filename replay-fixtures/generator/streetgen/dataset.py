"""Random still frames with YOLO box labels, for training and evaluating the detector.

Each view (a random street, camera and time of day) is rendered once and filled with several
random arrangements of things, so the slow ray-cast background is shared. Frame i of a set comes
from seed (seed, i): the same seed always gives the same images and labels.
"""

from pathlib import Path

import cv2
import numpy as np

from . import actors as A
from . import things as T
from .camera import Camera
from .render import View
from .scene import random_street

FRAMES_PER_VIEW = 8


def random_camera(rng, width, height):
    return Camera(
        width,
        height,
        focal=width * rng.uniform(0.8, 1.0),
        mount=rng.uniform(4.5, 8.0),
        pitch=rng.uniform(0.24, 0.45),
        cam_x=rng.uniform(-4.0, 0.5),
        yaw=rng.uniform(0.3, 0.75),
    )


def _in_view(cam, x, y):
    if cam.depth(x, y, 0.8) < 3.0:
        return False
    u, v = cam.project(x, y, 0.0)
    return 0 <= u < cam.width and cam.height * 0.15 < v < cam.height * 1.02


def _spot(rng, cam, street, where):
    for _ in range(50):
        y = rng.uniform(5, 26)
        if where == "pavement":
            x = rng.uniform(street.kerb + 0.4, street.right_facade - 0.4)
        elif where == "shopline":
            x = rng.uniform(street.right_facade - 1.6, street.right_facade - 0.5)
        elif where == "bay" and street.bays:
            x0, x1, y0, y1 = street.bays[rng.integers(len(street.bays))]
            x, y = rng.uniform(x0 + 0.3, x1 - 0.3), rng.uniform(y0 + 0.4, y1 - 0.4)
        else:  # road
            x = rng.uniform(-street.road_half + 0.8, street.road_half - 0.8)
        if _in_view(cam, x, y):
            return x, y
    return None


def random_arrangement(rng, cam, street, night):
    """A random mix of every class and the distractors, at a random moment."""
    t = float(rng.uniform(0, 60))
    actors = []
    weights = {
        "walker": 3, "rider": 2, "parked": 3, "stall": 2, "shop_goods": 1, "barbecue": 1.6 if night else 0.8,
        "car": 1.2, "parked_car": 0.6, "steam": 0.4, "queue": 0.4, "furniture": 0.6,
    }
    names, p = list(weights), np.array(list(weights.values()))
    for _ in range(int(rng.integers(5, 13))):
        what = names[rng.choice(len(names), p=p / p.sum())]
        where = {"walker": "pavement", "rider": "road", "parked": rng.choice(["pavement", "bay"]), "stall": "pavement",
                 "shop_goods": "shopline", "barbecue": "pavement", "car": "road", "parked_car": "road", "steam": "pavement",
                 "queue": "shopline", "furniture": "pavement"}[what]
        spot = _spot(rng, cam, street, where)
        if spot is None:
            continue
        x, y = spot
        if what == "walker":
            d = rng.uniform(-1, 1, 2)
            actors.append(T.walker(rng, T.Path([(t - 5, x - 5 * d[0], y - 5 * d[1]), (t + 5, x + 5 * d[0], y + 5 * d[1])])))
        elif what == "rider":
            sign = rng.choice([-1, 1])
            actors.append(T.rider(rng, T.Path([(t - 3, x, y - 15 * sign), (t + 3, x, y + 15 * sign)]), rng.choice(["bicycle", "ebike"])))
        elif what == "parked":
            vehicle = rng.choice(["bicycle", "ebike", "tricycle"], p=[0.45, 0.35, 0.2])
            for k in range(int(rng.integers(1, 4)) if vehicle != "tricycle" else 1):
                actors.append(T.parked(rng, vehicle, x, y + 0.7 * k, t - 100, t + 100, squash=rng.uniform(0.45, 1.0), facing=rng.choice([-1, 1])))
        elif what == "stall":
            # Tables are the rarest class otherwise (only stalls bring one): favour them.
            style = rng.choice(["cart", "table", "tricycle"], p=[0.3, 0.45, 0.25])
            actors.append(T.stall(rng, style, x, y, t - 50, t + 50, umbrella=bool(rng.random() < 0.5)))
        elif what == "shop_goods":
            actors.append(T.shop_goods(rng, x, y, t - 50, t + 50))
        elif what == "barbecue":
            actors.append(T.barbecue(rng, x, y, t - 50, t + 50))
        elif what == "car":
            sign = rng.choice([-1, 1])
            actors.append(T.car_passing(rng, T.Path([(t - 2, x, y - 20 * sign), (t + 2, x, y + 20 * sign)]), night))
        elif what == "parked_car":
            actors.append(T.car_parked(rng, street.road_half - 1.0, y, facing=rng.choice([-1, 1])))
        elif what == "steam":
            actors.append(T.steam_vent(rng, x, y))
        elif what == "queue":
            for k in range(int(rng.integers(3, 6))):
                actors.append(T.walker(rng, T.Path([(t - 100, x - 0.3, y + 0.7 * k), (t + 100, x - 0.3, y + 0.7 * k)])))
        else:
            actors.append(T.furniture(x, y, rng.choice(["bench", "bin"])))
    parts = [part for actor in actors for part in actor.parts(t)]
    return parts, t


def write_set(out, split, count, seed, width=640, height=360, share=(0, 1)):
    """Writes `count` images and YOLO labels under out/images/split and out/labels/split.

    `share` (k, n) writes only the views with index ≡ k (mod n), so n processes can split the work
    and together write exactly the set one process would."""
    images, labels = Path(out, "images", split), Path(out, "labels", split)
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    view = None
    for i in range(count):
        if (i // FRAMES_PER_VIEW) % share[1] != share[0]:
            continue
        if i % FRAMES_PER_VIEW == 0:
            vrng = np.random.default_rng((seed, i // FRAMES_PER_VIEW, 0))
            night = bool(vrng.random() < 0.35)
            view = View(random_street(vrng), random_camera(vrng, width, height), night)
        rng = np.random.default_rng((seed, i, 1))
        exposure = rng.uniform(0.8, 1.15)
        parts, t = random_arrangement(rng, view.cam, view.street, view.night)
        # Label everything at least 4 px on its short side: a goods pile 20 px wide is often only
        # 5 px tall, and an unlabelled pile the detector does find would count against it.
        image, boxes = view.frame(parts, t, rng, exposure=exposure, min_label=4)
        name = f"{split}-{seed}-{i:05d}"
        cv2.imwrite(str(images / f"{name}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        with open(labels / f"{name}.txt", "w") as f:
            for cls, u0, v0, u1, v1 in boxes:
                cx, cy, bw, bh = (u0 + u1) / 2 / width, (v0 + v1) / 2 / height, (u1 - u0) / width, (v1 - v0) / height
                f.write(f"{A.CLASSES.index(cls)} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}\n")
