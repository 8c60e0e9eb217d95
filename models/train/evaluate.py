#!/usr/bin/env python3
"""Measures an exported detector's mAP@0.5 per class on a held-out set, the way gridwatch runs it.

  python evaluate.py DATA [--onnx ../gridwatch-demo.onnx] [--floor 8]

DATA is a folder written by generate.py dataset. The ONNX model sees each still letterboxed as
gridwatch's runtime does (centred, grey 114 padding), through ONNX Runtime on the CPU, and its
boxes are merged as gridwatch merges them: per class, at the NMS_IOU that train.py writes into the
card's `[output] nms_iou`.

Objects whose short side is under `--floor` pixels are "don't care", as in the KITTI and Caltech
benchmarks: a detection of one is neither a hit nor a false alarm, and missing one costs nothing.
At 640×360 (a 720p frame halved) the smallest goods piles are 4 px tall, where one pixel of
misplacement is the difference between a hit and a miss at IoU 0.5; both figures are printed.
"""

import argparse
from pathlib import Path

import cv2
import numpy as np

IOU_HIT = 0.5
NMS_IOU = 0.6
MIN_SCORE = 0.001
MAX_DETECTIONS = 300


def load_set(data, split="val"):
    """[(image, ground truth as rows of class, u0, v0, u1, v1 in pixels)] of one split."""
    out = []
    for path in sorted(Path(data, "images", split).glob("*.jpg")):
        image = cv2.imread(str(path))
        h, w = image.shape[:2]
        rows = Path(data, "labels", split, f"{path.stem}.txt").read_text().split()
        c, cx, cy, bw, bh = np.array(rows, np.float64).reshape(-1, 5).T
        out.append((image, np.stack([c, (cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h], 1)))
    return out


def letterbox(image, width, height):
    """The still scaled into width × height, centred on grey, and the (scale, left, top) placement."""
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    left, top = (width - new_w) // 2, (height - new_h) // 2
    canvas = np.full((height, width, 3), 114, np.uint8)
    canvas[top:top + new_h, left:left + new_w] = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    return canvas, (scale, left, top)


def iou(box, boxes):
    """IoU of one (u0, v0, u1, v1) box with each row of `boxes`."""
    u0, v0 = np.maximum(box[0], boxes[:, 0]), np.maximum(box[1], boxes[:, 1])
    u1, v1 = np.minimum(box[2], boxes[:, 2]), np.minimum(box[3], boxes[:, 3])
    inter = np.clip(u1 - u0, 0, None) * np.clip(v1 - v0, 0, None)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return inter / (area(box) + area(boxes) - inter + 1e-9)


def nms(boxes, scores):
    """Indices kept by greedy non-maximum suppression, best first."""
    order, keep = np.argsort(-scores), []
    while order.size:
        best, order = order[0], order[1:]
        keep.append(best)
        order = order[iou(boxes[best], boxes[order]) < NMS_IOU]
    return keep


def detect(session, image):
    """Rows of class, score, u0, v0, u1, v1 in still pixels: YOLOv8 output decoded, NMS per class."""
    _, _, height, width = session.get_inputs()[0].shape
    canvas, (scale, left, top) = letterbox(image, width, height)
    x = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB).transpose(2, 0, 1)[None].astype(np.float32) / 255
    out = session.run(None, {session.get_inputs()[0].name: x})[0][0].T
    out = out[out[:, 4:].max(1) > MIN_SCORE]
    cls, score = out[:, 4:].argmax(1), out[:, 4:].max(1)
    cx, cy, w, h = out[:, 0], out[:, 1], out[:, 2], out[:, 3]
    boxes = np.stack([(cx - w / 2 - left) / scale, (cy - h / 2 - top) / scale, (cx + w / 2 - left) / scale, (cy + h / 2 - top) / scale], 1)
    rows = []
    for c in np.unique(cls):
        idx = np.flatnonzero(cls == c)
        rows += [(c, score[i], *boxes[i]) for i in idx[nms(boxes[idx], score[idx])]]
    rows.sort(key=lambda r: -r[1])
    return np.array(rows[:MAX_DETECTIONS], np.float64).reshape(-1, 6)


def average_precision(hits, scores, positives):
    """Area under the precision envelope, sampled at 101 recall points (COCO's interpolation)."""
    if positives == 0:
        return float("nan")
    order = np.argsort(-np.asarray(scores), kind="stable")
    tp = np.cumsum(np.asarray(hits, np.float64)[order])
    fp = np.cumsum(1 - np.asarray(hits, np.float64)[order])
    recall = tp / positives
    precision = np.maximum.accumulate((tp / np.maximum(tp + fp, 1e-9))[::-1])[::-1]
    samples = np.linspace(0, 1, 101)
    at = np.searchsorted(recall, samples, side="left")
    return float(np.mean([precision[i] if i < len(precision) else 0.0 for i in at]))


def score_class(results, c, floor):
    """AP@0.5 of class c over (detections, truth) pairs; truth under `floor` px is don't-care."""
    hits, scores, positives = [], [], 0
    for dets, truth in results:
        gt = truth[truth[:, 0] == c][:, 1:]
        care = np.minimum(gt[:, 2] - gt[:, 0], gt[:, 3] - gt[:, 1]) >= floor
        positives += int(care.sum())
        taken = np.zeros(len(gt), bool)
        for det in dets[dets[:, 0] == c]:
            overlap = iou(det[2:], gt) if len(gt) else np.zeros(0)
            free = np.flatnonzero(care & ~taken & (overlap >= IOU_HIT))
            if free.size:
                taken[free[np.argmax(overlap[free])]] = True
                hits.append(1)
            elif np.any(~care & (overlap >= IOU_HIT)):
                continue  # found something too small to count either way
            else:
                hits.append(0)
            scores.append(det[1])
    return average_precision(hits, scores, positives)


def evaluate(onnx_path, data, classes, floors=(0,)):
    """{floor: [AP per class]} of the model on the held-out stills."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    results = [(detect(session, image), truth) for image, truth in load_set(data)]
    return {floor: [score_class(results, c, floor) for c in range(len(classes))] for floor in floors}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="folder written by generate.py dataset")
    parser.add_argument("--onnx", default=str(Path(__file__).resolve().parent.parent / "gridwatch-demo.onnx"))
    parser.add_argument("--floor", type=float, action="append", help="short-side floor in pixels (repeatable)")
    args = parser.parse_args()
    import tomllib

    card = tomllib.loads(Path(args.onnx).with_suffix(".model.toml").read_text())
    floors = [0.0] + (args.floor or [])
    table = evaluate(args.onnx, args.data, card["classes"], floors)
    print("class".ljust(14) + "".join(f"≥{f:g}px".rjust(9) for f in floors))
    for i, name in enumerate(card["classes"]):
        print(name.ljust(14) + "".join(f"{table[f][i]:9.3f}" for f in floors))
    print("all".ljust(14) + "".join(f"{np.nanmean(table[f]):9.3f}" for f in floors))


if __name__ == "__main__":
    main()
