#!/usr/bin/python3
"""Export a trained checkpoint to ONNX in the Ultralytics YOLOv8 detection layout.

  /usr/bin/python3 edge-agent/training/export.py --weights /tmp/shelf-run/best.pt \
      --out edge-agent/models/shelf-detector.onnx [--imgsz 416] [--reference /tmp/shelf-ref]

Graph: input `images` float32 [1, 3, H, W] (RGB, 0..1, letterboxed with 114 gray), output `output0`
float32 [1, 4 + C, N]: rows 0-3 = cx, cy, w, h in input pixels, rows 4.. = sigmoid class scores,
N = anchor points over strides 8/16/32. Metadata props like an Ultralytics export: names, imgsz,
stride, task, batch, description, author, version, date.

`--reference DIR` writes input.f32 / output.f32 (raw little-endian float32) plus meta.json computed by
torch on a rendered image, so `node edge-agent/scripts/onnx-check.ts` can compare onnxruntime's output.
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shelfdet.data import letterbox  # noqa: E402
from shelfdet.metrics import to_yolov8_output  # noqa: E402
from shelfdet.model import ShelfDet, count_params  # noqa: E402
from train import parse_imgsz  # noqa: E402

VERSION = "1.0.0"


class Exported(nn.Module):
    def __init__(self, model: ShelfDet):
        super().__init__()
        self.model = model

    def forward(self, images):
        return to_yolov8_output(self.model(images), self.model.nc, self.model.reg_max)


def load_model(weights: str) -> tuple[ShelfDet, dict]:
    ckpt = torch.load(weights, map_location="cpu")
    cfg = ckpt["config"]
    model = ShelfDet(nc=cfg["nc"], width=tuple(cfg["width"]), depth=tuple(cfg["depth"]), reg_max=cfg["reg_max"], head_hidden=cfg["head_hidden"])
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model, ckpt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--imgsz", type=parse_imgsz, default=None, help="N or HxW; default: the training size")
    ap.add_argument("--reference", default=None, help="dir for a torch reference input/output pair")
    ap.add_argument("--reference-image", default=None, help="image for the reference pair (default: random noise)")
    args = ap.parse_args()

    model, ckpt = load_model(args.weights)
    cfg = ckpt["config"]
    h, w = args.imgsz or tuple(cfg["imgsz"])
    names = {i: n for i, n in enumerate(cfg["names"])}
    wrapped = Exported(model).eval()
    dummy = torch.zeros(1, 3, h, w)
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            wrapped,
            dummy,
            str(out_path),
            opset_version=17,
            input_names=["images"],
            output_names=["output0"],
            do_constant_folding=True,
        )
    m = onnx.load(str(out_path))
    params = count_params(model)
    meta = {
        "description": f"ShelfSense shelf detector (product, gap): {params:,}-parameter anchor-free YOLO-style model trained on synthetic shelves; see MODEL_CARD.md",
        "author": "ShelfSense",
        "date": datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
        "version": VERSION,
        "license": "Apache-2.0",
        "stride": "32",
        "task": "detect",
        "batch": "1",
        "imgsz": str([h, w]),
        "names": str(names),
    }
    del m.metadata_props[:]
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    m.producer_name = "shelfsense-training"
    onnx.checker.check_model(m)
    onnx.save(m, str(out_path))
    onnx.checker.check_model(str(out_path))
    dims = [d.dim_value for d in m.graph.output[0].type.tensor_type.shape.dim]
    print(f"exported {out_path} ({out_path.stat().st_size / 1e6:.2f} MB, {params:,} params): images [1, 3, {h}, {w}] -> output0 {dims}")
    print("metadata: " + json.dumps(meta))

    if args.reference:
        ref = Path(args.reference)
        ref.mkdir(parents=True, exist_ok=True)
        if args.reference_image:
            from PIL import Image

            with Image.open(args.reference_image) as im:
                arr, _ = letterbox(im, w, h)
            x = torch.from_numpy(arr).float().div(255.0)[None]
        else:
            x = torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            y = wrapped(x)
        x.numpy().astype("<f4").tofile(ref / "input.f32")
        y.numpy().astype("<f4").tofile(ref / "output.f32")
        (ref / "meta.json").write_text(json.dumps({"input": list(x.shape), "output": list(y.shape), "model": str(out_path.resolve())}))
        print(f"reference pair in {ref}: output {list(y.shape)}, max score {float(y[0, 4:].max()):.4f}")


if __name__ == "__main__":
    main()
