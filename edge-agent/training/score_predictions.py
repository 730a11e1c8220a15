#!/usr/bin/python3
"""Score the edge agent's `detect --json` output against YOLO labels with evaluate.py's matcher.

  node edge-agent/src/cli/detect.cli.ts --model edge-agent/models/shelf-detector.onnx \
      --image /tmp/shelf-data/heldout/images --conf 0.001 --iou 0.45 --json > /tmp/heldout-ort.jsonl
  /usr/bin/python3 edge-agent/training/score_predictions.py /tmp/heldout-ort.jsonl

This checks the shipped ONNX file through the real inference path (sharp letterbox, onnxruntime-node,
the agent's decoder and NMS) instead of the torch graph. Labels are looked up as
<image dir>/../labels/<stem>.txt.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shelfdet.data import read_labels  # noqa: E402
from shelfdet.metrics import APAccumulator  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("predictions", help="JSON lines from `detect --json`")
    ap.add_argument("--names", default="product,gap", help="class names in label order")
    ap.add_argument("--conf", type=float, default=0.25, help="threshold for precision/recall")
    args = ap.parse_args()
    names = args.names.split(",")
    acc = APAccumulator(len(names))
    images = 0
    for line in Path(args.predictions).read_text().splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        p = Path(r["image"])
        det = np.array(
            [[*d["box"], d["score"], names.index(d["class"])] for d in r["detections"] if d["class"] in names], dtype=np.float32
        ).reshape(-1, 6)
        acc.add(det, read_labels(p.parent.parent / "labels" / (p.stem + ".txt"), r["width"], r["height"]))
        images += 1
    print(f"{images} images from {args.predictions}")
    print(f"{'class':<10}{'instances':>10}{'P@' + str(args.conf):>10}{'R@' + str(args.conf):>10}{'mAP50':>10}")
    for n, x in zip(names, acc.result(conf=args.conf)):
        print(f"{n:<10}{x['instances']:>10}{x['precision']:>10.4f}{x['recall']:>10.4f}{x['ap50']:>10.4f}")


if __name__ == "__main__":
    main()
