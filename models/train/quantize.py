#!/usr/bin/env python3
"""Makes an int8 variant of the demo detector and measures what it costs in accuracy and gains in speed.

  python quantize.py DATA        (DATA: the folder generate.py dataset wrote)

Static quantization of the convolutions (QDQ, per-channel weights) calibrated on 200 training stills; mAP@0.5 on the
held-out set through Ultralytics' ONNX validator, and the per-frame time with ONNX Runtime on one
thread, for both models. Writes models/gridwatch-demo-int8.onnx; keep it only if accuracy holds.
"""

import argparse
import os
import tempfile
import tomllib
import sys
from pathlib import Path

import cv2
import numpy as np
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

sys.path.insert(0, str(Path(__file__).parent))
import train  # noqa: E402

MODELS = Path(__file__).resolve().parent.parent


def letterboxed(path):
    image = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    h, w = image.shape[:2]
    s = min(train.IMGSZ / w, train.IMGSZ / h)
    nw, nh = round(w * s), round(h * s)
    top, left = (train.IMGSZ - nh) // 2, (train.IMGSZ - nw) // 2
    canvas = np.full((train.IMGSZ, train.IMGSZ, 3), 114, np.uint8)
    canvas[top:top + nh, left:left + nw] = cv2.resize(image, (nw, nh))
    return canvas.transpose(2, 0, 1)[None].astype(np.float32) / 255.0


class Stills(CalibrationDataReader):
    def __init__(self, paths):
        self.paths = iter(paths)

    def get_next(self):
        path = next(self.paths, None)
        return None if path is None else {"images": letterboxed(path)}


def map50(onnx_path, data):
    from ultralytics import YOLO

    metrics = YOLO(str(onnx_path), task="detect").val(data=str(data), imgsz=train.IMGSZ, batch=1, rect=False, device="cpu", plots=False, verbose=False)
    return metrics.box.map50, list(metrics.box.ap50)


def main():
    os.chdir(tempfile.mkdtemp())  # ONNX Runtime's quantizer leaves scratch files in the working folder
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data")
    args = parser.parse_args()
    train.offline_ultralytics()
    fp32 = MODELS / f"{train.NAME}.onnx"
    int8 = MODELS / f"{train.NAME}-int8.onnx"
    prepared = Path("/tmp") / f"{train.NAME}-prepared.onnx"
    quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
    stills = sorted(Path(args.data, "images", "train").glob("*.jpg"))[::20][:200]
    # Only convolutions: the head concatenates box pixels (0..320) with class scores (0..1) in one
    # tensor, which one int8 scale cannot hold.
    quantize_static(str(prepared), str(int8), Stills(stills), quant_format=QuantFormat.QDQ, op_types_to_quantize=["Conv"],
                    per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    data = Path(args.data, "data.yaml")
    results = {}
    for name, path in (("fp32", fp32), ("int8", int8)):
        overall, per_class = map50(path, data)
        speed = train.inference_ms(path)
        results[name] = (overall, per_class, speed)
        print(f"{name}: {path.stat().st_size / 1e6:.1f} MB, {speed:.1f} ms, mAP@0.5 {overall:.3f}, lowest class {min(per_class):.3f}")
    # The int8 model's card: the fp32 model's training record, its own accuracy and speed.
    overall, per_class, speed = results["int8"]
    fp32_card = tomllib.loads((MODELS / f"{train.NAME}.model.toml").read_text())
    t = fp32_card["training"]
    text = train.card(fp32_card["classes"], per_class, overall, t["epochs"], t["training_minutes"], speed, t["parameters"],
                      t["device"], t["train_images"], t["heldout_images"], variant="int8")
    (MODELS / f"{train.NAME}-int8.model.toml").write_text(text)


if __name__ == "__main__":
    main()
