#!/usr/bin/python3
"""Held-out evaluation: precision, recall and mAP50 per class, printed and written as JSON.

  /usr/bin/python3 edge-agent/training/evaluate.py --weights /tmp/shelf-final/best.pt \
      --data /tmp/shelf-data/heldout [--data /tmp/shelf-data/heldout-fit] \
      --onnx edge-agent/models/shelf-detector.onnx --json edge-agent/models/shelf-detector.metrics.json

The first --data set is the headline; further sets are reported under `additional_sets`. --onnx
records which exported file (sha256) these weights became.

Runs the same graph that export.py writes to ONNX ([1, 4+C, N] output), letterboxes each image like
Ultralytics, decodes with class-aware NMS (IoU 0.45), maps boxes back to source pixels and matches
them to the labels at IoU 0.5. AP uses every detection down to conf 0.001 (COCO 101-point
interpolation); precision and recall are reported at the deployment threshold conf 0.25.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export import Exported, load_model  # noqa: E402
from shelfdet.data import letterbox, read_labels  # noqa: E402
from shelfdet.metrics import APAccumulator, decode  # noqa: E402
from shelfdet.model import count_params  # noqa: E402
from train import parse_imgsz  # noqa: E402


def evaluate_set(net, root: Path, names: list[str], h: int, w: int, conf: float, iou: float) -> dict:
    files = sorted((root / "images").glob("*.jpg"))
    acc = APAccumulator(len(names), 0.5)
    t0 = time.time()
    infer_s = 0.0
    with torch.no_grad():
        for f in files:
            with Image.open(f) as im:
                arr, (r, left, top) = letterbox(im, w, h)
                sw, sh = im.width, im.height
            x = torch.from_numpy(arr).float().div(255.0)[None]
            t = time.time()
            pred = net(x)
            infer_s += time.time() - t
            det = decode(pred, conf=0.001, iou=iou)[0].numpy()
            det[:, [0, 2]] = ((det[:, [0, 2]] - left) / r).clip(0, sw)
            det[:, [1, 3]] = ((det[:, [1, 3]] - top) / r).clip(0, sh)
            acc.add(det, read_labels(root / "labels" / (f.stem + ".txt"), sw, sh))
    res = acc.result(conf=conf)
    meta = json.loads((root / "data.json").read_text()) if (root / "data.json").exists() else {}
    report = {
        "dataset": {
            "path": str(root),
            "images": len(files),
            "seed": meta.get("seed"),
            "sizes": meta.get("sizes"),
            "fit_share": meta.get("fitShare", 0),
            "generator": meta.get("generator"),
        },
        "classes": {n: {"precision": round(r_["precision"], 4), "recall": round(r_["recall"], 4), "mAP50": round(r_["ap50"], 4), "instances": r_["instances"]} for n, r_ in zip(names, res)},
        "mAP50": round(float(np.mean([r_["ap50"] for r_ in res])), 4),
        "torch_ms_per_image": round(1000 * infer_s / max(1, len(files)), 1),
    }
    print(f"{len(files)} images from {root} (seed {meta.get('seed')}), imgsz {h}x{w}, {time.time() - t0:.0f} s")
    print(f"{'class':<10}{'instances':>10}{'P@' + str(conf):>10}{'R@' + str(conf):>10}{'mAP50':>10}")
    for n, r_ in zip(names, res):
        print(f"{n:<10}{r_['instances']:>10}{r_['precision']:>10.4f}{r_['recall']:>10.4f}{r_['ap50']:>10.4f}")
    print(f"{'all':<10}{'':>10}{'':>10}{'':>10}{report['mAP50']:>10.4f}")
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--data", required=True, action="append", help="held-out set dir (images/, labels/, data.json); repeatable")
    ap.add_argument("--imgsz", type=parse_imgsz, default=None, help="N or HxW; default: the training size")
    ap.add_argument("--conf", type=float, default=0.25, help="threshold for precision/recall")
    ap.add_argument("--iou", type=float, default=0.45, help="NMS IoU")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--onnx", default=None, help="the exported model these weights became (recorded with its sha256)")
    ap.add_argument("--json", default=None, help="write the metrics here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    model, ckpt = load_model(args.weights)
    names = list(ckpt["config"]["names"])
    h, w = args.imgsz or tuple(ckpt["config"]["imgsz"])
    net = Exported(model).eval()
    sets = [evaluate_set(net, Path(d), names, h, w, args.conf, args.iou) for d in args.data]
    model_info = {"weights": Path(args.weights).name, "params": count_params(model), "imgsz": [h, w], "epoch": ckpt.get("epoch"), "train_args": ckpt.get("args")}
    if args.onnx:
        blob = Path(args.onnx).read_bytes()
        model_info["onnx"] = {"file": Path(args.onnx).name, "bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest()}
    report = {
        "model": model_info,
        "settings": {"ap_iou": 0.5, "nms_iou": args.iou, "ap_conf": 0.001, "pr_conf": args.conf, "ap_method": "COCO 101-point interpolated, greedy matching by score", "class_aware_nms": True},
        **sets[0],
        "additional_sets": sets[1:],
    }
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
