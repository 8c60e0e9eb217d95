#!/usr/bin/env python3
"""Trains, exports, evaluates and describes gridwatch's demo detector.

  1. python ../../replay-fixtures/generator/generate.py dataset DATA      (synthetic stills, YOLO labels)
  2. python train.py DATA [--hours H]                                      (this script)
  3. python evaluate.py DATA [--floor PX]                                  (re-measure, by object size)

Writes models/gridwatch-demo.onnx, models/gridwatch-demo.model.toml and the PyTorch weights
models/train/gridwatch-demo.pt. Trains from scratch (no pretrained weights: nothing is downloaded),
or with --further from the committed version's weights to train it on; on CPU, or on a GPU when
torch sees one.

The model sees a 640×360 still (a 720p camera frame halved) whole, at 640×384. Goods and tables
are only a few pixels tall, so it trains at that same scale, on square tiles cut from the stills:
the same objects at the same size as in use, for a quarter of the cost of training at 640.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import cards
from evaluate import NMS_IOU, evaluate

HERE = Path(__file__).resolve().parent
MODELS = HERE.parent
NAME = "gridwatch-demo"
# The version this recipe writes into the card; bump it for each model that is committed.
VERSION = "7"
# The model input, width × height: a 640×360 still letterboxed to a multiple of the 32-pixel stride.
INPUT = (640, 384)
# Training tiles: square, full height of a still, two per still overlapping in the middle.
TILE = 352


def offline_ultralytics():
    """Keeps Ultralytics from reaching for the internet: its own config dir, offline mode, and the
    font its dataset check would otherwise download."""
    config = Path(tempfile.gettempdir(), "gridwatch-yolo-config")
    (config / "Ultralytics").mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_CONFIG_DIR"] = str(config)
    os.environ["YOLO_OFFLINE"] = "1"
    import matplotlib

    font = Path(matplotlib.get_data_path(), "fonts/ttf/DejaVuSans.ttf")
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        target = config / "Ultralytics" / name
        if not target.exists():
            shutil.copy(font, target)
    from ultralytics import settings

    settings.update({"sync": False})


def inference_ms(onnx_path, runs=50):
    import numpy as np
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).random((1, 3, INPUT[1], INPUT[0]), dtype=np.float32)
    name = session.get_inputs()[0].name
    for _ in range(5):
        session.run(None, {name: x})
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        session.run(None, {name: x})
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def card(classes, per_class_map, epochs, minutes, infer_ms, params, device, train_n, val_n, init):
    """The model card's text."""
    lines = cards.head(NAME, VERSION, classes, INPUT[0], INPUT[1], NMS_IOU) + [
        "[training]",
        'recipe = "models/train/train.py"',
        'data = "synthetic street stills from replay-fixtures/generator/generate.py dataset, trained as 352×352 tiles at full scale"',
        f"train_images = {train_n}",
        "train_seeds = \"10000 (views and frames derived from it)\"",
        f"heldout_images = {val_n}",
        "heldout_seeds = \"900000\"",
        f'continued_from = "{init}"  # these are more epochs on that version\'s weights' if init else "# trained from scratch",
        f"epochs = {epochs}",
        f"training_minutes = {minutes:.0f}",
        f'device = "{device}"',
        f"parameters = {params}",
        "",
    ]
    lines += cards.accuracy(classes, per_class_map)
    lines += ["", "[speed]", f"# Median of 50 runs, ONNX Runtime CPU, one intra-op thread, batch 1, {INPUT[0]}×{INPUT[1]}.", f"inference_ms = {infer_ms:.1f}", ""]
    return "\n".join(lines)


def fix_spatial_size(onnx_path, classes):
    """Ultralytics' dynamic export makes height and width dynamic too; pin them to the training
    size so the runtime can check a card against its model. The batch stays dynamic."""
    import onnx

    model = onnx.load(str(onnx_path))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    dims[0].dim_param = "batch"
    width, height = INPUT
    for d, size in zip(dims[2:], (height, width)):
        d.ClearField("dim_param")
        d.dim_value = size
    out = model.graph.output[0].type.tensor_type.shape.dim
    out[0].dim_param = "batch"
    for d, size in zip(out[1:], (4 + len(classes), sum((height // s) * (width // s) for s in (8, 16, 32)))):
        d.ClearField("dim_param")
        d.dim_value = size
    onnx.checker.check_model(model)
    onnx.save(model, str(onnx_path))


def tile(data, out):
    """Cuts every training still into two TILE×TILE tiles (left and right, overlapping), with the
    boxes clipped to each; a box keeps its label where at least 40 % of it is inside, as in the
    generator. The held-out stills stay whole. Returns the tiled set's data.yaml."""
    import cv2

    out = Path(out)
    done = out / "data.yaml"
    if done.exists():
        return done
    source = Path(data).parent
    images, labels = out / "images" / "train", out / "labels" / "train"
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    for still in sorted((source / "images" / "train").glob("*.jpg")):
        image = cv2.imread(str(still))
        h, w = image.shape[:2]
        boxes = [line.split() for line in (source / "labels" / "train" / f"{still.stem}.txt").read_text().splitlines()]
        top = (h - TILE) // 2
        for k, left in enumerate((0, w - TILE)):
            cv2.imwrite(str(images / f"{still.stem}-{k}.jpg"), image[top:top + TILE, left:left + TILE], [cv2.IMWRITE_JPEG_QUALITY, 95])
            kept = []
            for cls, cx, cy, bw, bh in boxes:
                cx, cy, bw, bh = float(cx) * w, float(cy) * h, float(bw) * w, float(bh) * h
                u0, v0 = max(cx - bw / 2 - left, 0), max(cy - bh / 2 - top, 0)
                u1, v1 = min(cx + bw / 2 - left, TILE), min(cy + bh / 2 - top, TILE)
                if u1 - u0 < 4 or v1 - v0 < 4 or (u1 - u0) * (v1 - v0) < 0.4 * bw * bh:
                    continue
                kept.append(f"{cls} {(u0 + u1) / 2 / TILE:.6f} {(v0 + v1) / 2 / TILE:.6f} {(u1 - u0) / TILE:.6f} {(v1 - v0) / TILE:.6f}")
            (labels / f"{still.stem}-{k}.txt").write_text("".join(f"{line}\n" for line in kept))
    spec = Path(data).read_text().splitlines()
    spec = [f"path: {out.resolve()}" if line.startswith("path:") else line for line in spec]
    spec = [f"val: {(source / 'images' / 'val').resolve()}" if line.startswith("val:") else line for line in spec]
    done.write_text("\n".join(spec) + "\n")
    return done


def weights(run):
    """The best epoch's weights; the last epoch's when no epoch was validated."""
    best = run / "weights" / "best.pt"
    return best if best.exists() else run / "weights" / "last.pt"


def describe(data, run, init=None):
    """Exports the best weights to ONNX, measures that file on the held-out set and writes the card."""
    import csv

    import torch
    from ultralytics import YOLO

    shutil.copy(weights(run), HERE / f"{NAME}.pt")
    model = YOLO(str(weights(run)))
    exported = Path(model.export(format="onnx", imgsz=(INPUT[1], INPUT[0]), opset=17, dynamic=True, simplify=False))
    onnx_path = MODELS / f"{NAME}.onnx"
    shutil.copy(exported, onnx_path)
    classes = [model.names[i] for i in range(len(model.names))]
    fix_spatial_size(onnx_path, classes)
    root = Path(data).parent
    per_class = evaluate(onnx_path, root, classes)[0]
    params = sum(p.numel() for p in model.model.parameters())
    with open(run / "results.csv") as f:
        rows = list(csv.DictReader(f))
    epochs = len(rows)
    minutes = float(rows[-1]["time"]) / 60
    train_n = len(list(root.glob("images/train/*.jpg")))
    val_n = len(list(root.glob("images/val/*.jpg")))
    device = "GPU" if torch.cuda.is_available() else f"CPU, {os.cpu_count()} cores"
    text = card(classes, per_class, epochs, minutes, inference_ms(onnx_path), params, device, train_n, val_n, init)
    (MODELS / f"{NAME}.model.toml").write_text(text)
    print(text)
    print(f"lowest per-class mAP@0.5: {min(per_class):.3f}", file=sys.stderr)


def continued_from(describe_only):
    """The version the committed weights belong to. Once a run has been described, the committed
    card is this recipe's VERSION: describing again keeps the version that card says it continued,
    and training further needs a new VERSION first."""
    committed = tomllib.loads((MODELS / f"{NAME}.model.toml").read_text())
    if committed["version"] != VERSION:
        return committed["version"]
    if describe_only:
        return committed["training"].get("continued_from")
    sys.exit(f"the committed card is already version {VERSION}; bump VERSION in train.py to train it further")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="folder written by generate.py dataset (holds data.yaml)")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--hours", type=float, default=None, help="stop after this long (the schedule adapts)")
    parser.add_argument("--runs", default=str(Path(tempfile.gettempdir(), "gridwatch-runs")))
    parser.add_argument("--further", action="store_true", help=f"start from the committed weights (train/{NAME}.pt), not from scratch; layers whose shape the recipe changed start afresh")
    parser.add_argument("--teacher", help="a trained model's PyTorch weights to distil from (its neck's features guide this one's)")
    parser.add_argument("--describe-only", action="store_true", help="skip training; evaluate, export and describe the last run")
    args = parser.parse_args()

    offline_ultralytics()
    init = continued_from(args.describe_only) if args.further else None
    data = Path(args.data, "data.yaml").resolve()
    run = Path(args.runs, NAME)
    if not args.describe_only:
        import torch
        from ultralytics import YOLO

        from ultralytics.utils import torch_utils

        # Ultralytics trains on all cores but one (one thread on a two-core machine); use them all.
        torch_utils.NUM_THREADS = os.cpu_count()
        torch.manual_seed(0)
        tiles = tile(data, Path(args.data).parent / f"{Path(args.data).name}-tiles")
        # The camera fixes every object's size; rescaling tiles by up to half (Ultralytics' default)
        # shrinks goods piles a few pixels tall out of sight, so scale only by a quarter.
        # Built from the recipe's architecture; --further carries over every layer of the committed
        # weights that still has its shape.
        YOLO(str(HERE / f"{NAME}.yaml")).train(
            data=str(tiles), imgsz=TILE, val=False, epochs=args.epochs, time=args.hours, batch=32, workers=0,
            device="0" if torch.cuda.is_available() else "cpu", pretrained=str(HERE / f"{NAME}.pt") if init else False,
            distill_model=args.teacher, amp=False, plots=False, seed=0,
            deterministic=True, project=args.runs, name=NAME, exist_ok=True, patience=100, close_mosaic=3, scale=0.25, verbose=False,
        )
    describe(data, run, init)


if __name__ == "__main__":
    main()
