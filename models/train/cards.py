"""The parts of a demo model card that every recipe writes alike."""


def head(name, version, classes, width, height, nms_iou, input_note=""):
    """The card's lines up to its [training] table: identity, classes, input and output."""
    return [
        f'name = "{name}"',
        f'version = "{version}"',
        f'onnx = "{name}.onnx"',
        'licence = "MIT OR Apache-2.0"',
        "# Class names, in output order; rules refer to them.",
        "classes = [" + ", ".join(f'"{c}"' for c in classes) + "]",
        "",
        "[input]",
        f"width = {width}",
        f"height = {height}",
        f"# NCHW float32, RGB, values 0..1, letterboxed with grey (114) padding{input_note}.",
        'layout = "nchw"',
        'colour = "rgb"',
        "",
        "[output]",
        "# [batch, 4 + classes, anchors]: cx, cy, w, h in input pixels, then one score per class; no NMS inside.",
        'layout = "yolov8"',
        "dynamic_batch = true",
        "# Boxes of one class overlapping more than this are one object; the accuracy below is measured with it.",
        f"nms_iou = {nms_iou}",
        "",
    ]


def accuracy(classes, per_class_map):
    """The [accuracy] table: mAP@0.5 overall and per class on the held-out stills."""
    overall = sum(per_class_map) / len(per_class_map)
    lines = [
        "[accuracy]",
        "# mAP@0.5 per class of this ONNX file on the held-out synthetic set, whole 640×360 stills (evaluate.py).",
        f"map50 = {overall:.3f}",
    ]
    return lines + [f"{c} = {v:.3f}" for c, v in zip(classes, per_class_map)]
