#!/usr/bin/python3
"""Train the bundled shelf detector (classes product, gap) on a YOLO-format synthetic dataset.

  /usr/bin/python3 edge-agent/training/train.py --data /tmp/shelf-data/train --val /tmp/shelf-data/val \
      --imgsz 416 --epochs 30 --batch 16 --seed 0 --threads 2 --out /tmp/shelf-run

Prints per-epoch losses and validation mAP50 per class; keeps the best (EMA) weights in <out>/best.pt.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shelfdet.data import ShelfDataset  # noqa: E402
from shelfdet.loss import DetectionLoss  # noqa: E402
from shelfdet.metrics import APAccumulator, decode, to_yolov8_output  # noqa: E402
from shelfdet.model import ShelfDet, count_params  # noqa: E402

CLASSES = ("product", "gap")
MODEL_PRESETS = {
    # name: (widths, C2f depths, head hidden channels)
    "s": ((16, 32, 64, 128, 160), (1, 2, 2, 1), 48),
    "xs": ((16, 24, 48, 96, 128), (1, 1, 1, 1), 40),
}


def parse_imgsz(s: str) -> tuple[int, int]:
    """'416' → (416, 416); '320x416' → (H=320, W=416). Both must be multiples of 32."""
    h, w = (int(v) for v in s.lower().split("x")) if "x" in s.lower() else (int(s), int(s))
    if h % 32 or w % 32:
        raise argparse.ArgumentTypeError(f"imgsz must be a multiple of 32, got {s}")
    return h, w


class ModelEMA:
    """Exponential moving average of weights with a warm-up ramp (as in Ultralytics)."""

    def __init__(self, model, decay: float = 0.9999, tau: float = 500):
        self.ema = copy.deepcopy(model).eval()
        self.decay = lambda n: decay * (1 - math.exp(-n / tau))
        self.updates = 0
        for p in self.ema.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = self.decay(self.updates)
        msd = model.state_dict()
        for k, v in self.ema.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(msd[k].detach(), alpha=1 - d)


@torch.no_grad()
def validate(model, ds: ShelfDataset, batch: int, nc: int, reg_max: int, conf: float = 0.001, iou: float = 0.45):
    model.eval()
    acc = APAccumulator(nc)
    for s in range(0, len(ds), batch):
        idx = torch.arange(s, min(s + batch, len(ds)))
        imgs, _ = ds.batch(idx)
        dets = decode(to_yolov8_output(model(imgs), nc, reg_max), conf=conf, iou=iou)
        for d, i in zip(dets, idx.tolist()):
            acc.add(d.numpy(), ds.labels[i].numpy())
    return acc.result()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, action="append", help="training set dir (images/, labels/); repeat to train on several")
    ap.add_argument("--val", required=True, help="validation set dir, used to pick the best epoch")
    ap.add_argument("--imgsz", type=parse_imgsz, default=(416, 416), help="N or HxW (multiples of 32)")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model", choices=sorted(MODEL_PRESETS), default="s")
    ap.add_argument("--time-budget", type=float, default=0, help="minutes; after each epoch, cut the epoch count if the rest would not fit (0 = off)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N training images (smoke tests)")
    ap.add_argument("--init", default=None, help="start from these weights (a best.pt/last.pt of the same --model): fine-tuning")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.time()

    train_ds = ShelfDataset.concat([ShelfDataset(d, args.imgsz, limit=args.limit or None) for d in args.data])
    val_ds = ShelfDataset(args.val, args.imgsz)
    widths, depths, hidden = MODEL_PRESETS[args.model]
    reg_max = 16
    model = ShelfDet(nc=len(CLASSES), width=widths, depth=depths, reg_max=reg_max, head_hidden=hidden)
    model.head.init_bias(max(args.imgsz))
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location="cpu")["model"])
    print(f"model {args.model}: {count_params(model):,} parameters; train {len(train_ds)} val {len(val_ds)} images at {args.imgsz[0]}x{args.imgsz[1]}", flush=True)

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.ndim > 1 else no_decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.937, 0.999))
    loss_fn = DetectionLoss(len(CLASSES), reg_max)
    ema = ModelEMA(model)

    iters_per_epoch = len(train_ds) // args.batch
    epochs = args.epochs
    warmup = min(300, iters_per_epoch)

    def lr_at(it: int) -> float:
        total = epochs * iters_per_epoch
        if it < warmup:
            return args.lr * (0.1 + 0.9 * it / warmup)
        t = min(1.0, (it - warmup) / max(1, total - warmup))
        return args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))

    best, history, it = -1.0, [], 0
    epoch_times: list[float] = []
    print(f"setup {time.time() - t_start:.0f} s", flush=True)
    epoch = 0
    while epoch < epochs:
        model.train()
        t0 = time.time()
        perm = torch.randperm(len(train_ds), generator=gen)
        sums = torch.zeros(3)
        for b in range(iters_per_epoch):
            idx = perm[b * args.batch : (b + 1) * args.batch]
            imgs, targets = train_ds.batch(idx, augment=True, gen=gen)
            for g in opt.param_groups:
                g["lr"] = lr_at(it)
            loss, parts = loss_fn(model(imgs), targets)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            ema.update(model)
            sums += parts
            it += 1
            if b % 50 == 0:
                print(f"  epoch {epoch + 1} it {b}/{iters_per_epoch} box {parts[0]:.3f} cls {parts[1]:.3f} dfl {parts[2]:.3f} ({(b + 1) * args.batch / (time.time() - t0):.1f} img/s)", flush=True)
        train_s = time.time() - t0
        res = validate(ema.ema, val_ds, 32, len(CLASSES), reg_max)
        m = sums / max(1, iters_per_epoch)
        maps = [r["ap50"] for r in res]
        fitness = float(np.mean(maps))
        rec = {
            "epoch": epoch + 1,
            "loss": {"box": round(float(m[0]), 4), "cls": round(float(m[1]), 4), "dfl": round(float(m[2]), 4)},
            "val": {c: {k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for c, r in zip(CLASSES, res)},
            "train_s": round(train_s, 1),
            "total_s": round(time.time() - t_start, 1),
        }
        history.append(rec)
        print(
            f"epoch {epoch + 1}/{epochs} loss box {m[0]:.4f} cls {m[1]:.4f} dfl {m[2]:.4f} | val mAP50 product {maps[0]:.4f} gap {maps[1]:.4f} "
            f"| P/R@0.25 product {res[0]['precision']:.3f}/{res[0]['recall']:.3f} gap {res[1]['precision']:.3f}/{res[1]['recall']:.3f} "
            f"| {train_s:.0f} s train, {time.time() - t_start:.0f} s total",
            flush=True,
        )
        ckpt = {
            "model": ema.ema.state_dict(),
            "config": {"nc": len(CLASSES), "width": widths, "depth": depths, "reg_max": reg_max, "head_hidden": hidden, "names": CLASSES, "imgsz": list(args.imgsz)},
            "epoch": epoch + 1,
            "val": rec["val"],
            "args": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(args).items()},
        }
        torch.save(ckpt, out / "last.pt")
        if fitness > best:
            best = fitness
            torch.save(ckpt, out / "best.pt")
        epoch_times.append(time.time() - t0)
        if args.time_budget > 0 and epoch + 1 < epochs:
            # Re-plan after every epoch from the mean epoch time so far; the cosine schedule follows.
            left = args.time_budget * 60 - (time.time() - t_start)
            fit = epoch + 1 + int(left // (sum(epoch_times) / len(epoch_times)))
            if fit < epochs:
                print(f"time budget {args.time_budget} min: {epochs} -> {max(fit, epoch + 1)} epochs", flush=True)
                epochs = max(fit, epoch + 1)
        epoch += 1
        (out / "history.json").write_text(json.dumps(history, indent=1))
    total = time.time() - t_start
    print(f"done: {epochs} epochs in {total / 60:.1f} min; best mean val mAP50 {best:.4f}; weights {out / 'best.pt'}", flush=True)
    (out / "summary.json").write_text(json.dumps({"epochs": epochs, "wall_s": round(total, 1), "best_mean_map50": best, "params": count_params(model)}, indent=1))


if __name__ == "__main__":
    main()
