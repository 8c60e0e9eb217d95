#!/usr/bin/env python3
"""Makes the int8 demo detector from the float one: the same network in 8-bit integers.

  python quantize.py DATA [--calibration 300]

DATA is a folder written by generate.py dataset (its training stills calibrate, its held-out stills
measure). Reads models/gridwatch-demo.onnx and its card; writes models/gridwatch-demo-int8.onnx and
models/gridwatch-demo-int8.model.toml.

Two steps, both measured rather than assumed (this kind of CPU has AVX2 but no VNNI):

1. Where the box branch has 16 distance bins (version 6), the decoder's softmax over them is rewritten to run over the last axis
   (transpose [b, 4, 16, a] to [b, 4, a, 16], softmax, then a MatMul with the bin values instead
   of a 1×1 convolution). The result is bit-identical; ONNX Runtime's softmax over an inner axis
   was an eighth of the float model's time.
2. Static QDQ quantization, per channel: int8 weights, uint8 activations with ranges calibrated
   (min/max) on training stills letterboxed as gridwatch letterboxes them. Left in float: the first
   convolution (three input channels: its int8 kernel is slower than the float one here), the
   class branch at stride 8, which scores the smallest objects (quantized too, goods measured
   0.804 AP@0.5 instead of 0.805 for 2 % less time: little, but goods are nearest the 0.8 bar),
   and everything after the head's convolutions, where box coordinates are decoded and need float
   precision.
"""

import argparse
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import cv2
import numpy as np

import cards
from evaluate import evaluate, letterbox

HERE = Path(__file__).resolve().parent
MODELS = HERE.parent
SOURCE = "gridwatch-demo"
NAME = "gridwatch-demo-int8"


def kept_in_float(node):
    """The first convolution, the class branch at stride 8 and everything of the head but its
    convolutions (see above)."""
    head = node.startswith("/model.22/")
    return node.startswith(("/model.0/", "/model.22/cv3.0/")) or (head and "/cv" not in node)


QUANTIZED_OPS = ["Conv", "Mul", "Add", "Concat", "MaxPool", "Resize", "Sigmoid", "Split"]


def softmax_on_last_axis(model):
    """Rewrites the DFL block in place: same numbers, a softmax ONNX Runtime runs fast."""
    from onnx import helper, numpy_helper

    graph = model.graph
    nodes = {n.name: n for n in graph.node}
    if "/model.22/dfl/Softmax" not in nodes:
        return model  # a one-bin head (version 7 on) regresses distances directly: no softmax
    transpose, softmax, conv = (nodes[f"/model.22/dfl/{n}"] for n in ("Transpose", "Softmax", "conv/Conv"))
    transpose.attribute[0].CopyFrom(helper.make_attribute("perm", [0, 1, 3, 2]))
    softmax.attribute[0].CopyFrom(helper.make_attribute("axis", 3))
    weights = {i.name: i for i in graph.initializer}[conv.input[1]]
    bins = numpy_helper.to_array(weights).reshape(1, -1).T.astype(np.float32)  # [16, 1]
    graph.initializer.remove(weights)
    graph.initializer.append(numpy_helper.from_array(bins, "/model.22/dfl/bins"))
    matmul = helper.make_node("MatMul", [conv.input[0], "/model.22/dfl/bins"], list(conv.output), name="/model.22/dfl/MatMul")
    at = list(graph.node).index(conv)
    graph.node.remove(conv)
    graph.node.insert(at, matmul)
    return model


def calibration_reader(data, count, input_name, width, height):
    from onnxruntime.quantization import CalibrationDataReader

    class Stills(CalibrationDataReader):
        def __init__(self):
            self.paths = sorted(Path(data, "images", "train").glob("*.jpg"))[:count]
            if len(self.paths) < count:
                sys.exit(f"{data}: {len(self.paths)} training stills, {count} needed for calibration")

        def get_next(self):
            if not self.paths:
                return None
            canvas, _ = letterbox(cv2.imread(str(self.paths.pop())), width, height)
            rgb = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB).transpose(2, 0, 1)[None]
            return {input_name: rgb.astype(np.float32) / 255}

    return Stills()


def cpu_ms(onnx_paths, width, height, runs=60):
    """Median CPU milliseconds per frame of each model, one intra-op thread, batch 1, the models
    taking turns so that a busy machine slows them alike."""
    import onnxruntime as ort

    def session(path):
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    sessions = [session(p) for p in onnx_paths]
    x = np.random.default_rng(0).random((1, 3, height, width), dtype=np.float32)
    times = [[] for _ in sessions]
    for run in range(runs + 5):
        for s, t in zip(sessions, times):
            t0 = time.thread_time()
            s.run(None, {s.get_inputs()[0].name: x})
            if run >= 5:  # the first runs carry one-off allocations
                t.append((time.thread_time() - t0) * 1000)
    return [statistics.median(t) for t in times]


def card_text(source, per_class, calibration, heldout, int8_ms, float_ms):
    width, height = source["input"]["width"], source["input"]["height"]
    note = "; quantized inside the model"
    lines = cards.head(NAME, source["version"], source["classes"], width, height, source["output"]["nms_iou"], note)
    lines += [
        "[training]",
        'recipe = "models/train/quantize.py"',
        f'quantized_from = "{SOURCE} version {source["version"]}"',
        "# Static QDQ: int8 weights per channel, uint8 activations, min/max ranges; the first convolution,",
        "# the class branch at stride 8 and the box decoding stay in float.",
        'quantization = "QDQ int8 per-channel, calibrated min/max"',
        f"calibration_images = {calibration}",
        f"heldout_images = {heldout}",
        'heldout_seeds = "900000"',
        "",
    ]
    lines += cards.accuracy(source["classes"], per_class)
    lines += [
        "",
        "[speed]",
        f"# Median CPU time of 60 runs, ONNX Runtime CPU, one intra-op thread, batch 1, {width}×{height},",
        f"# taking turns with the float model it came from ({float_ms:.1f} ms in the same run).",
        f"inference_ms = {int8_ms:.1f}",
        f"float_ms = {float_ms:.1f}",
        "",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="folder written by generate.py dataset")
    parser.add_argument("--calibration", type=int, default=300, help="training stills that calibrate the ranges")
    args = parser.parse_args()
    import onnx
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    source = tomllib.loads((MODELS / f"{SOURCE}.model.toml").read_text())
    width, height = source["input"]["width"], source["input"]["height"]
    out = MODELS / f"{NAME}.onnx"
    with tempfile.TemporaryDirectory() as tmp:
        rewritten, prepared = Path(tmp, "softmax.onnx"), Path(tmp, "prepared.onnx")
        model = softmax_on_last_axis(onnx.load(str(MODELS / source["onnx"])))
        onnx.checker.check_model(model)
        onnx.save(model, str(rewritten))
        quant_pre_process(str(rewritten), str(prepared), skip_symbolic_shape=True)
        nodes = [n.name for n in onnx.load(str(prepared)).graph.node]
        quantize_static(
            str(prepared),
            str(out),
            calibration_reader(args.data, args.calibration, model.graph.input[0].name, width, height),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=QUANTIZED_OPS,
            nodes_to_exclude=[n for n in nodes if kept_in_float(n)],
        )
    per_class = evaluate(out, args.data, source["classes"])[0]
    heldout = len(list(Path(args.data, "images", "val").glob("*.jpg")))
    int8_ms, float_ms = cpu_ms([out, MODELS / source["onnx"]], width, height)
    (MODELS / f"{NAME}.model.toml").write_text(card_text(source, per_class, args.calibration, heldout, int8_ms, float_ms))
    print(f"{out}: mAP@0.5 {np.nanmean(per_class):.3f}, {int8_ms:.1f} ms CPU per frame (float: {float_ms:.1f} ms)")


if __name__ == "__main__":
    main()
