"""Decoding of the exported [B, 4+C, N] output, class-aware NMS, and VOC/COCO-style AP at IoU 0.5."""
from __future__ import annotations

import numpy as np
import torch
import torchvision

from .model import STRIDES, dist_to_ltrb, ltrb_to_xyxy, make_anchors, split_outputs


def to_yolov8_output(outs, nc: int, reg_max: int):
    """Head outputs → Ultralytics YOLOv8 layout [B, 4+C, N]: cx, cy, w, h in input pixels, sigmoid scores."""
    dist, cls = split_outputs(outs, nc, reg_max)
    points, strides = make_anchors(outs, STRIDES)
    xyxy = ltrb_to_xyxy(dist_to_ltrb(dist, reg_max), points) * strides
    cxcy = (xyxy[..., :2] + xyxy[..., 2:]) / 2
    wh = xyxy[..., 2:] - xyxy[..., :2]
    return torch.cat((cxcy, wh, cls.sigmoid()), -1).permute(0, 2, 1)


def decode(pred, conf: float = 0.25, iou: float = 0.45, max_det: int = 300):
    """[B, 4+C, N] → list of [n, 6] (x1, y1, x2, y2, score, cls) after class-aware NMS, like Ultralytics."""
    out = []
    for p in pred:
        p = p.T  # [N, 4+C]
        scores, cls = p[:, 4:].max(1)
        keep = scores > conf
        b, scores, cls = p[keep, :4], scores[keep], cls[keep]
        xyxy = torch.cat((b[:, :2] - b[:, 2:] / 2, b[:, :2] + b[:, 2:] / 2), 1)
        if len(scores) > 30000:  # same cap as Ultralytics before NMS
            top = scores.topk(30000).indices
            xyxy, scores, cls = xyxy[top], scores[top], cls[top]
        k = torchvision.ops.batched_nms(xyxy, scores, cls, iou)[:max_det]
        out.append(torch.cat((xyxy[k], scores[k, None], cls[k, None].float()), 1))
    return out


def box_iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), dtype=np.float32)
    tl = np.maximum(a[:, None, :2], b[None, :, :2])
    br = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(br - tl, 0, None).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).prod(-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-9)


class APAccumulator:
    """Greedy score-ordered matching at one IoU threshold, per class (standard VOC/COCO rule)."""

    def __init__(self, nc: int, iou_thr: float = 0.5):
        self.nc, self.iou_thr = nc, iou_thr
        self.scores: list[list[float]] = [[] for _ in range(nc)]
        self.tp: list[list[bool]] = [[] for _ in range(nc)]
        self.n_gt = [0] * nc

    def add(self, det: np.ndarray, gt: np.ndarray):
        """det [n, 6] (x1, y1, x2, y2, score, cls); gt [k, 5] (cls, x1, y1, x2, y2), same pixel space."""
        for c in range(self.nc):
            g = gt[gt[:, 0] == c, 1:5]
            d = det[det[:, 5] == c]
            d = d[np.argsort(-d[:, 4], kind="stable")]
            self.n_gt[c] += len(g)
            ious = box_iou_matrix(d[:, :4], g)
            used = np.zeros(len(g), dtype=bool)
            for i in range(len(d)):
                self.scores[c].append(float(d[i, 4]))
                if len(g) == 0:
                    self.tp[c].append(False)
                    continue
                cand = np.where(~used, ious[i], -1.0)
                j = int(cand.argmax())
                if cand[j] >= self.iou_thr:
                    used[j] = True
                    self.tp[c].append(True)
                else:
                    self.tp[c].append(False)

    def result(self, conf: float = 0.25):
        """Per class: AP (COCO 101-point interpolation), and precision/recall at `conf`."""
        res = []
        for c in range(self.nc):
            s = np.array(self.scores[c])
            tp = np.array(self.tp[c], dtype=bool)
            order = np.argsort(-s, kind="stable")
            s, tp = s[order], tp[order]
            ctp = np.cumsum(tp)
            cfp = np.cumsum(~tp)
            n = max(self.n_gt[c], 1)
            recall = ctp / n
            precision = ctp / np.maximum(ctp + cfp, 1)
            ap = compute_ap(recall, precision)
            at = s >= conf
            k = int(at.sum())
            p_at = float(ctp[k - 1] / k) if k else 0.0
            r_at = float(ctp[k - 1] / n) if k else 0.0
            res.append({"ap50": float(ap), "precision": p_at, "recall": r_at, "instances": self.n_gt[c], "detections_at_conf": k})
        return res


def compute_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    """Area under the precision envelope, sampled at 101 recall points (COCO / Ultralytics)."""
    if len(recall) == 0:
        return 0.0
    mrec = np.concatenate(([0.0], recall, [1.0]))
    mpre = np.concatenate(([1.0], precision, [0.0]))
    mpre = np.flip(np.maximum.accumulate(np.flip(mpre)))
    x = np.linspace(0, 1, 101)
    return float(np.trapz(np.interp(x, mrec, mpre), x))
