"""ShelfDet: a small anchor-free YOLO-style detector (YOLOv8-like, scaled down).

Backbone: strided convs + C2f blocks + SPPF. Neck: PAN-lite (top-down then bottom-up).
Head: decoupled per level (box distribution + class logits) on strides 8/16/32, box as
distribution-focal ltrb distances (reg_max bins) from each anchor point.
"""
from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F

STRIDES = (8, 16, 32)


class Conv(nn.Module):
    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU(inplace=True)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c: int, shortcut: bool = True):
        super().__init__()
        self.cv1 = Conv(c, c, 3)
        self.cv2 = Conv(c, c, 3)
        self.add = shortcut

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    """CSP block with n bottlenecks whose outputs are all concatenated (as in YOLOv8)."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = True):
        super().__init__()
        self.c = c2 // 2
        self.cv1 = Conv(c1, 2 * self.c, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        for m in self.m:
            y.append(m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c1: int, c2: int, k: int = 5):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1)
        self.cv2 = Conv(c_ * 4, c2, 1)
        self.m = nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat((x, y1, y2, self.m(y2)), 1))


class Head(nn.Module):
    """Decoupled head: per level a box branch (4*reg_max logits) and a class branch (nc logits)."""

    def __init__(self, nc: int, chs: tuple[int, ...], reg_max: int, hidden: int):
        super().__init__()
        self.nc = nc
        self.reg_max = reg_max
        self.box = nn.ModuleList(nn.Sequential(Conv(c, hidden, 3), Conv(hidden, hidden, 3), nn.Conv2d(hidden, 4 * reg_max, 1)) for c in chs)
        self.cls = nn.ModuleList(nn.Sequential(Conv(c, hidden, 3), Conv(hidden, hidden, 3), nn.Conv2d(hidden, nc, 1)) for c in chs)

    def forward(self, feats):
        return [torch.cat((b(x), c(x)), 1) for x, b, c in zip(feats, self.box, self.cls)]

    def init_bias(self, imgsz: int = 416):
        # Same priors as Ultralytics: box logits start at 1, class logits at ~5 objects per image per cell count.
        for b, c, s in zip(self.box, self.cls, STRIDES):
            b[-1].bias.data[:] = 1.0
            c[-1].bias.data[: self.nc] = math.log(5 / self.nc / (imgsz / s) ** 2)


class ShelfDet(nn.Module):
    def __init__(self, nc: int = 2, width: tuple[int, ...] = (16, 32, 64, 128, 192), depth: tuple[int, ...] = (1, 2, 2, 1), reg_max: int = 16, head_hidden: int = 48):
        super().__init__()
        w0, w1, w2, w3, w4 = width
        self.nc = nc
        self.reg_max = reg_max
        self.stem = nn.Sequential(Conv(3, w0, 3, 2), Conv(w0, w1, 3, 2), C2f(w1, w1, depth[0]))
        self.down3 = nn.Sequential(Conv(w1, w2, 3, 2), C2f(w2, w2, depth[1]))  # stride 8
        self.down4 = nn.Sequential(Conv(w2, w3, 3, 2), C2f(w3, w3, depth[2]))  # stride 16
        self.down5 = nn.Sequential(Conv(w3, w4, 3, 2), C2f(w4, w4, depth[3]), SPPF(w4, w4))  # stride 32
        n4 = (w3 + w2) // 2
        self.top4 = C2f(w4 + w3, n4, 1, shortcut=False)
        self.top3 = C2f(n4 + w2, w2, 1, shortcut=False)
        self.bot4_down = Conv(w2, w2, 3, 2)
        self.bot4 = C2f(w2 + n4, n4, 1, shortcut=False)
        self.bot5_down = Conv(n4, n4, 3, 2)
        self.bot5 = C2f(n4 + w4, w4, 1, shortcut=False)
        self.head = Head(nc, (w2, n4, w4), reg_max, head_hidden)
        self.head.init_bias()

    def forward(self, x):
        x = self.stem(x)
        p3 = self.down3(x)
        p4 = self.down4(p3)
        p5 = self.down5(p4)
        t4 = self.top4(torch.cat((F.interpolate(p5, scale_factor=2.0, mode="nearest"), p4), 1))
        o3 = self.top3(torch.cat((F.interpolate(t4, scale_factor=2.0, mode="nearest"), p3), 1))
        o4 = self.bot4(torch.cat((self.bot4_down(o3), t4), 1))
        o5 = self.bot5(torch.cat((self.bot5_down(o4), p5), 1))
        return self.head([o3, o4, o5])


def make_anchors(feats, strides=STRIDES, offset: float = 0.5):
    """Anchor points (cell centres, in grid units) and their strides, concatenated over levels."""
    points, stride_t = [], []
    for f, s in zip(feats, strides):
        _, _, h, w = f.shape
        sy, sx = torch.meshgrid(torch.arange(h, dtype=torch.float32) + offset, torch.arange(w, dtype=torch.float32) + offset, indexing="ij")
        points.append(torch.stack((sx, sy), -1).view(-1, 2))
        stride_t.append(torch.full((h * w, 1), float(s)))
    return torch.cat(points), torch.cat(stride_t)


def split_outputs(outs, nc: int, reg_max: int):
    """Head outputs → (box distribution logits [B, A, 4, reg_max], class logits [B, A, nc])."""
    b = outs[0].shape[0]
    flat = torch.cat([o.view(b, 4 * reg_max + nc, -1) for o in outs], 2).permute(0, 2, 1)
    dist, cls = flat.split((4 * reg_max, nc), -1)
    return dist.reshape(b, -1, 4, reg_max), cls


def dist_to_ltrb(dist_logits, reg_max: int):
    """Expected bin index of each side's distribution (distances in stride units)."""
    proj = torch.arange(reg_max, dtype=dist_logits.dtype, device=dist_logits.device)
    return (dist_logits.softmax(-1) * proj).sum(-1)


def ltrb_to_xyxy(ltrb, points):
    lt, rb = ltrb.chunk(2, -1)
    return torch.cat((points - lt, points + rb), -1)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
