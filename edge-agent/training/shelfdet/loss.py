"""Task-aligned assignment (TAL, as in TOOD / YOLOv8) and the detection loss:
BCE on classes with IoU-aware soft targets, CIoU + distribution focal loss on boxes."""
from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F

from .model import dist_to_ltrb, ltrb_to_xyxy, make_anchors, split_outputs


def box_iou_xyxy(a, b, ciou: bool = False, eps: float = 1e-7):
    """Elementwise IoU (or CIoU) of broadcastable xyxy boxes [..., 4]."""
    ax1, ay1, ax2, ay2 = a.unbind(-1)
    bx1, by1, bx2, by2 = b.unbind(-1)
    w1, h1 = ax2 - ax1, (ay2 - ay1).clamp(min=eps)
    w2, h2 = bx2 - bx1, (by2 - by1).clamp(min=eps)
    inter = (torch.min(ax2, bx2) - torch.max(ax1, bx1)).clamp(0) * (torch.min(ay2, by2) - torch.max(ay1, by1)).clamp(0)
    union = w1 * h1 + w2 * h2 - inter + eps
    iou = inter / union
    if not ciou:
        return iou
    cw = torch.max(ax2, bx2) - torch.min(ax1, bx1)
    ch = torch.max(ay2, by2) - torch.min(ay1, by1)
    c2 = cw**2 + ch**2 + eps
    rho2 = ((bx1 + bx2 - ax1 - ax2) ** 2 + (by1 + by2 - ay1 - ay2) ** 2) / 4
    v = (4 / math.pi**2) * (torch.atan(w2 / h2) - torch.atan(w1 / h1)).pow(2)
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (rho2 / c2 + v * alpha)


class TaskAlignedAssigner:
    def __init__(self, topk: int = 10, nc: int = 2, alpha: float = 0.5, beta: float = 6.0, eps: float = 1e-9):
        self.topk, self.nc, self.alpha, self.beta, self.eps = topk, nc, alpha, beta, eps

    @torch.no_grad()
    def __call__(self, pd_scores, pd_bboxes, anc_points, gt_labels, gt_bboxes, mask_gt):
        """pd_scores [B,A,C] (sigmoid), pd_bboxes [B,A,4] xyxy px, anc_points [A,2] px,
        gt_labels [B,M,1], gt_bboxes [B,M,4] xyxy px, mask_gt [B,M,1].
        Returns target_bboxes [B,A,4], target_scores [B,A,C], fg_mask [B,A] bool."""
        bs, n_max = gt_bboxes.shape[:2]
        if n_max == 0:
            return torch.zeros_like(pd_bboxes), torch.zeros_like(pd_scores), torch.zeros(pd_scores.shape[:2], dtype=torch.bool)
        # Anchor centres inside each gt box: [B, M, A].
        lt, rb = gt_bboxes[..., None, :2], gt_bboxes[..., None, 2:]
        deltas = torch.cat((anc_points[None, None] - lt, rb - anc_points[None, None]), -1)
        mask_in = (deltas.amin(-1) > self.eps) & mask_gt.bool()
        # Alignment metric: score of the gt class ^ alpha * IoU ^ beta.
        idx = gt_labels.long().squeeze(-1).clamp(0, self.nc - 1)  # [B, M]
        # IoU and scores only for (gt, anchor) pairs with the anchor inside the gt: a few % of all pairs.
        b_i, m_i, a_i = mask_in.nonzero(as_tuple=True)
        overlaps = torch.zeros(mask_in.shape, dtype=pd_bboxes.dtype)
        overlaps[b_i, m_i, a_i] = box_iou_xyxy(gt_bboxes[b_i, m_i], pd_bboxes[b_i, a_i], ciou=True).clamp(0)
        scores = torch.zeros(mask_in.shape, dtype=pd_scores.dtype)
        scores[b_i, m_i, a_i] = pd_scores[b_i, a_i, idx[b_i, m_i]]
        align = scores.pow(self.alpha) * overlaps.pow(self.beta)
        # Top-k anchors per gt.
        topk = min(self.topk, align.shape[-1])
        top_idx = align.topk(topk, dim=-1).indices  # [B, M, k]
        mask_topk = torch.zeros_like(align, dtype=torch.bool).scatter_(-1, top_idx, True)
        mask_pos = mask_topk & mask_in  # [B, M, A]
        # An anchor claimed by several gts goes to the one it overlaps most.
        fg = mask_pos.sum(1)  # [B, A]
        if fg.max() > 1:
            multi = (fg > 1)[:, None, :].expand(-1, n_max, -1)
            best = overlaps.argmax(1)  # [B, A]
            is_best = torch.zeros_like(mask_pos).scatter_(1, best[:, None, :], True)
            mask_pos = torch.where(multi, is_best & mask_in, mask_pos)
            fg = mask_pos.sum(1)
        fg_mask = fg > 0
        target_gt = mask_pos.float().argmax(1)  # [B, A]
        batch_ix = torch.arange(bs)[:, None]
        target_labels = idx[batch_ix, target_gt]  # [B, A]
        target_bboxes = gt_bboxes[batch_ix, target_gt]  # [B, A, 4]
        target_scores = F.one_hot(target_labels, self.nc).float() * fg_mask[..., None]
        # Soft targets: alignment normalized so each gt's best anchor gets its best IoU.
        align = align * mask_pos
        pos_align = align.amax(-1, keepdim=True)
        pos_ov = (overlaps * mask_pos).amax(-1, keepdim=True)
        norm = (align * pos_ov / (pos_align + self.eps)).amax(1)[..., None]  # [B, A, 1]
        return target_bboxes, target_scores * norm, fg_mask


class DetectionLoss:
    def __init__(self, nc: int, reg_max: int, box_gain: float = 7.5, cls_gain: float = 0.5, dfl_gain: float = 1.5, topk: int = 10):
        self.nc, self.reg_max = nc, reg_max
        self.gains = (box_gain, cls_gain, dfl_gain)
        self.assigner = TaskAlignedAssigner(topk=topk, nc=nc)
        self._anchors = {}

    def anchors(self, outs):
        key = tuple(o.shape[-2:] for o in outs)
        if key not in self._anchors:
            self._anchors[key] = make_anchors(outs)
        return self._anchors[key]

    def __call__(self, outs, targets):
        """targets: [K, 6] = (batch index, class, x1, y1, x2, y2) in input pixels."""
        dist, cls_logits = split_outputs(outs, self.nc, self.reg_max)
        bs = cls_logits.shape[0]
        points, strides = self.anchors(outs)
        pred_ltrb = dist_to_ltrb(dist, self.reg_max)  # stride units
        pred_boxes = ltrb_to_xyxy(pred_ltrb, points)  # grid units per level
        # Ground truth padded to [B, M, ...].
        counts = torch.bincount(targets[:, 0].long(), minlength=bs) if len(targets) else torch.zeros(bs, dtype=torch.long)
        m = int(counts.max()) if len(targets) else 0
        gt = torch.zeros(bs, m, 5)
        if m:
            order = targets[:, 0].argsort(stable=True)
            t = targets[order]
            bi = t[:, 0].long()
            start = torch.cumsum(counts, 0) - counts
            slot = torch.arange(len(t)) - start[bi]
            gt[bi, slot] = t[:, 1:]
        gt_labels, gt_bboxes = gt[..., :1], gt[..., 1:]
        mask_gt = (gt_bboxes.sum(-1, keepdim=True) > 0).float()
        target_bboxes, target_scores, fg = self.assigner(
            cls_logits.detach().sigmoid(), (pred_boxes.detach() * strides), points * strides, gt_labels, gt_bboxes, mask_gt
        )
        tss = max(target_scores.sum().item(), 1.0)
        loss_cls = F.binary_cross_entropy_with_logits(cls_logits, target_scores, reduction="sum") / tss
        loss_box = torch.zeros(())
        loss_dfl = torch.zeros(())
        if fg.any():
            weight = target_scores.sum(-1)[fg][:, None]
            tb = target_bboxes / strides  # to grid units of each anchor's level
            iou = box_iou_xyxy(pred_boxes[fg], tb[fg], ciou=True)
            loss_box = ((1.0 - iou)[:, None] * weight).sum() / tss
            pts = points[None].expand(bs, -1, -1)[fg]
            tgt = torch.cat((pts - tb[fg][:, :2], tb[fg][:, 2:] - pts), -1).clamp(0, self.reg_max - 1 - 0.01)
            loss_dfl = (dfl(dist[fg], tgt) * weight).sum() / tss
        bg, cg, dg = self.gains
        total = (bg * loss_box + cg * loss_cls + dg * loss_dfl) * bs
        return total, torch.stack((loss_box.detach(), loss_cls.detach(), loss_dfl.detach()))


def dfl(dist_logits, target):
    """Distribution focal loss: cross-entropy to the two bins around each continuous target."""
    tl = target.long()
    tr = tl + 1
    wl = tr - target
    wr = 1 - wl
    n = dist_logits.shape[-1]
    logits = dist_logits.reshape(-1, n)
    l = F.cross_entropy(logits, tl.view(-1), reduction="none").view(tl.shape) * wl
    r = F.cross_entropy(logits, tr.view(-1), reduction="none").view(tl.shape) * wr
    return (l + r).mean(-1, keepdim=True)
