#!/usr/bin/env python3
"""Generates gridwatch's synthetic street data.

  generate.py dataset OUT --train N --val M [--seed S]   YOLO-format stills for training/evaluation
  generate.py scenarios [NAME ...] [--metadata-only]     the committed replay scenarios (footage + truth)
  generate.py labels OUT NAME [NAME ...]                 re-render the labelled frames of scenarios into OUT/NAME/

Needs the packages in requirements.txt; scenarios also need GStreamer with x264enc (gst-launch-1.0).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from streetgen import actors, dataset  # noqa: E402

# Seeds: committed scenarios use their own small seeds; training and evaluation sets draw from
# these disjoint ranges.
TRAIN_SEED = 10_000
VAL_SEED = 900_000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dataset")
    d.add_argument("out")
    d.add_argument("--train", type=int, default=4000)
    d.add_argument("--val", type=int, default=600)
    d.add_argument("--part", default="0/1", help="K/N: write only the K-th of N interleaved shares (for parallel runs)")
    s = sub.add_parser("scenarios")
    s.add_argument("names", nargs="*")
    s.add_argument("--metadata-only", action="store_true", help="rewrite scenario.toml and truth.toml, keep the footage")
    lab = sub.add_parser("labels")
    lab.add_argument("out")
    lab.add_argument("names", nargs="+")
    args = parser.parse_args()
    fixtures = Path(__file__).resolve().parent.parent

    if args.command == "dataset":
        k, n = map(int, args.part.split("/"))
        dataset.write_set(args.out, "train", args.train, TRAIN_SEED, share=(k, n))
        dataset.write_set(args.out, "val", args.val, VAL_SEED, share=(k, n))
        if k == 0:
            names = "\n".join(f"  {i}: {c}" for i, c in enumerate(actors.CLASSES))
            Path(args.out, "data.yaml").write_text(f"path: {Path(args.out).resolve()}\ntrain: images/train\nval: images/val\nnames:\n{names}\n")
    elif args.command == "scenarios":
        from streetgen import scenarios

        scenarios.write(fixtures, args.names, args.metadata_only)
    else:
        from streetgen import scenarios

        for name in args.names:
            frames = sorted(int(p.stem) for p in (fixtures / name / "labels").glob("*.txt"))
            folder = Path(args.out, name)
            folder.mkdir(parents=True, exist_ok=True)
            for n, lines in scenarios.frame_labels(name, frames).items():
                (folder / f"{n:06d}.txt").write_text("".join(line + "\n" for line in lines))


if __name__ == "__main__":
    main()
