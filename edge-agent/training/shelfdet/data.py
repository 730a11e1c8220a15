"""YOLO-format dataset (images/*.jpg + labels/*.txt) loaded into memory, letterboxed like Ultralytics."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

PAD_VALUE = 114


def letterbox_params(w: int, h: int, out_w: int, out_h: int):
    """Scale and padding exactly as Ultralytics LetterBox(auto=False, center=True)."""
    r = min(out_h / h, out_w / w)
    nw, nh = int(round(w * r)), int(round(h * r))
    dw, dh = (out_w - nw) / 2, (out_h - nh) / 2
    left, top = int(round(dw - 0.1)), int(round(dh - 0.1))
    return r, nw, nh, left, top


def letterbox(img: Image.Image, out_w: int, out_h: int):
    """RGB PIL image → uint8 array [3, out_h, out_w] padded with 114, plus (r, left, top)."""
    img = img.convert("RGB")
    r, nw, nh, left, top = letterbox_params(img.width, img.height, out_w, out_h)
    if (nw, nh) != (img.width, img.height):
        img = img.resize((nw, nh), Image.BILINEAR)
    canvas = np.full((out_h, out_w, 3), PAD_VALUE, dtype=np.uint8)
    canvas[top : top + nh, left : left + nw] = np.asarray(img)
    return canvas.transpose(2, 0, 1).copy(), (r, left, top)


def read_labels(path: Path, w: int, h: int) -> np.ndarray:
    """YOLO txt → [k, 5] (cls, x1, y1, x2, y2) in source pixels."""
    rows = []
    if path.exists():
        for line in path.read_text().split("\n"):
            parts = line.split()
            if len(parts) != 5:
                continue
            c, cx, cy, bw, bh = (float(v) for v in parts)
            rows.append((c, (cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h))
    return np.array(rows, dtype=np.float32).reshape(-1, 5)


class ShelfDataset:
    """All images of a split, letterboxed to (H, W) and kept as one uint8 tensor."""

    def __init__(self, root: str, imgsz: tuple[int, int], cache: bool = True, limit: int | None = None):
        self.root = Path(root)
        self.h, self.w = imgsz
        files = sorted((self.root / "images").glob("*.jpg"))
        if limit:
            files = files[:limit]
        self.files = files
        cache_path = self.root / f".cache_{self.h}x{self.w}_{len(files)}.pt"
        if cache and cache_path.exists():
            blob = torch.load(cache_path)
            self.images, self.labels, self.meta = blob["images"], blob["labels"], blob["meta"]
            return
        t0 = time.time()
        self.images = torch.empty((len(files), 3, self.h, self.w), dtype=torch.uint8)
        self.labels: list[torch.Tensor] = []
        self.meta: list[tuple[int, int, float, int, int]] = []  # source w, h, scale, left, top
        for i, f in enumerate(files):
            with Image.open(f) as im:
                arr, (r, left, top) = letterbox(im, self.w, self.h)
                sw, sh = im.width, im.height
            self.images[i] = torch.from_numpy(arr)
            lab = read_labels(self.root / "labels" / (f.stem + ".txt"), sw, sh)
            lab[:, 1:] = lab[:, 1:] * r + np.array([left, top, left, top], dtype=np.float32)
            self.labels.append(torch.from_numpy(lab))
            self.meta.append((sw, sh, r, left, top))
            if (i + 1) % 500 == 0:
                print(f"  loaded {i + 1}/{len(files)} from {root}", file=sys.stderr)
        print(f"  loaded {len(files)} images from {root} in {time.time() - t0:.1f} s", file=sys.stderr)
        if cache:
            tmp = cache_path.with_suffix(".tmp")
            torch.save({"images": self.images, "labels": self.labels, "meta": self.meta}, tmp)
            os.replace(tmp, cache_path)

    @classmethod
    def concat(cls, parts: list["ShelfDataset"]) -> "ShelfDataset":
        """One training set from several rendered ones (each keeps its own cache)."""
        if len(parts) == 1:
            return parts[0]
        out = cls.__new__(cls)
        out.root, out.h, out.w = parts[0].root, parts[0].h, parts[0].w
        out.files = [f for p in parts for f in p.files]
        out.images = torch.cat([p.images for p in parts])
        out.labels = [lab for p in parts for lab in p.labels]
        out.meta = [m for p in parts for m in p.meta]
        return out

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, idx, augment: bool = False, gen: torch.Generator | None = None):
        """Float images [B,3,H,W] in 0..1 and targets [K,6] = (batch index, cls, x1, y1, x2, y2)."""
        imgs = self.images[idx].float().div_(255.0)
        targets = []
        for j, i in enumerate(idx.tolist()):
            lab = self.labels[i].clone()
            if augment and torch.rand(1, generator=gen).item() < 0.5:
                imgs[j] = imgs[j].flip(-1)
                x1 = self.w - lab[:, 3]
                x2 = self.w - lab[:, 1]
                lab[:, 1], lab[:, 3] = x1, x2
            targets.append(torch.cat((torch.full((len(lab), 1), float(j)), lab), 1))
        if augment:
            # Mild exposure/contrast jitter on top of the generator's own lighting changes.
            b = imgs.shape[0]
            gain = 1 + (torch.rand(b, 1, 1, 1, generator=gen) - 0.5) * 0.3
            bias = (torch.rand(b, 1, 1, 1, generator=gen) - 0.5) * 0.1
            imgs = (imgs * gain + bias).clamp_(0, 1)
        return imgs, torch.cat(targets) if targets else torch.zeros((0, 6))
