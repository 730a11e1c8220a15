// Seeded synthetic retail-shelf scenes: the training data of the bundled `product`/`gap` detector
// and the picture source of the demo shelf camera. Pure: a seed in, a scene description out (no I/O,
// no Math.random); `shelf-scene.renderer.ts` turns a scene into JPEG bytes.
//
// Geometry lives in "shelf space" (pixels before the camera transform). The camera transform is a
// mild affine (rotation + shear + scale) that the renderer applies to the whole SVG, so the labels
// are the same transform applied to the shelf-space boxes (axis-aligned hull, clipped to the image).

/** Detector classes in label order: class 0 = product, class 1 = gap. */
export const SHELF_CLASSES = ['product', 'gap'] as const;
export type ShelfClass = (typeof SHELF_CLASSES)[number];

export type PackagingShape = 'box' | 'bottle' | 'can' | 'pouch' | 'jar';
export type LabelMark =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; color: string; rx?: number }
  | { kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number; color: string }
  | { kind: 'stripe'; y: number; h: number; skew: number; color: string };

/** One product design; every facing of a SKU looks the same, like on a real shelf. */
export interface SkuTemplate {
  id: number;
  shape: PackagingShape;
  /** Size in shelf-space pixels. */
  w: number;
  h: number;
  body: string;
  /** Second colour: cap, lid, rim or side shade. */
  accent: string;
  /** Label marks in the unit square of the label area (0..1 on both axes). */
  marks: LabelMark[];
  /** Vertical extent of the label area as fractions of the body height (top, bottom). */
  labelBand: readonly [number, number];
  /** Bottles: translucent (water-like) body. */
  translucent: boolean;
}

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface ShelfItem extends Box {
  sku: number;
}

export interface ShelfSlot {
  /** Left-to-right index within the row, 0-based. */
  index: number;
  /** Horizontal extent of the slot (product plus its share of spacing). */
  x1: number;
  x2: number;
  sku: number;
  /** Index into the row's `bays`. */
  bay: number;
  /** One product, or two for low stacked boxes. */
  items: ShelfItem[];
  /** Order in which the slot empties when its zone depletes (0 empties first). */
  removalRank: number;
  filled: boolean;
}

export interface PriceTag extends Box {
  paper: string;
  ink: string;
  accent: string;
}

export interface ShelfRow {
  index: number;
  /** Top of the clear space (bottom of the rail above, or of the unit top). */
  top: number;
  /** Top edge of the rail the products stand on; the row's gaps end here. */
  railY: number;
  railH: number;
  /** Visible shelf deck above the rail front (camera looking slightly down). */
  deckH: number;
  /** Bays of the row: horizontal extents between uprights. */
  bays: ReadonlyArray<{ x1: number; x2: number }>;
  slots: ShelfSlot[];
  tags: PriceTag[];
}

export type Occluder =
  | { kind: 'arm'; x1: number; y1: number; x2: number; y2: number; r: number; sleeve: string; skin: string }
  | { kind: 'blob'; cx: number; cy: number; rx: number; ry: number; color: string }
  | { kind: 'strip'; x1: number; y1: number; x2: number; y2: number; color: string; ink: string };

export interface ShelfAppearance {
  wall: string;
  floor: string;
  back: string;
  backPattern: 'plain' | 'pegboard' | 'slats';
  rail: string;
  railShade: string;
  upright: string;
  deck: string;
}

export interface Lighting {
  /** Global gain, ~0.7 (dim) .. 1.25 (bright). */
  gain: number;
  /** Per-channel multipliers: colour temperature (warm = more red, cool = more blue). */
  tint: readonly [number, number, number];
  /** Spot lights as radial highlights in image space (0..1 coordinates). */
  spots: ReadonlyArray<{ cx: number; cy: number; r: number; strength: number }>;
  /** Darkening toward the bottom (0 = none). */
  falloff: number;
}

export interface CameraEffects {
  /** Affine shelf space → image: [a, b, c, d, e, f] as in SVG matrix(a b c d e f). */
  matrix: readonly [number, number, number, number, number, number];
  /** Gaussian blur sigma in pixels; 0 = sharp. */
  blurSigma: number;
  /** Gaussian sensor noise sigma in 0..255 units. */
  noiseSigma: number;
  jpegQuality: number;
}

export interface ShelfLayout {
  seed: number;
  width: number;
  height: number;
  appearance: ShelfAppearance;
  lighting: Lighting;
  camera: CameraEffects;
  /** Shelf unit outline in shelf space; may extend past the image (random framing). */
  unit: Box;
  uprights: ReadonlyArray<{ x1: number; x2: number }>;
  skus: SkuTemplate[];
  /** Rows top to bottom; row 0 is the topmost row with products. */
  rows: ShelfRow[];
}

/** A YOLO training label in image pixels. */
export interface SceneLabel extends Box {
  cls: ShelfClass;
}

export interface ShelfScene extends ShelfLayout {
  occluders: Occluder[];
  /** Seed of the per-frame sensor noise. */
  noiseSeed: number;
  labels: SceneLabel[];
}

/** Products are dropped from the labels when more than this share is hidden by an occluder. */
export const MAX_OCCLUDED_FRACTION = 0.6;
/** Boxes cut by the image border are kept when at least this share stays inside. */
export const MIN_VISIBLE_FRACTION = 0.4;

/** mulberry32: tiny, fast, good enough for synthetic data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives independent sub-seeds so adding a draw in one part does not reshuffle the others. */
export function subSeed(seed: number, salt: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

interface Rng {
  next(): number;
  uniform(lo: number, hi: number): number;
  int(lo: number, hiInclusive: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  weighted<T>(xs: ReadonlyArray<readonly [T, number]>): T;
}

function makeRng(seed: number): Rng {
  const next = seededRandom(seed);
  const rng: Rng = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    weighted: (xs) => {
      const total = xs.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [x, w] of xs) if ((r -= w) < 0) return x;
      return xs[xs.length - 1]![0];
    },
  };
  return rng;
}

function hsl(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(255 * Math.min(1, Math.max(0, c)))
      .toString(16)
      .padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

function productColor(rng: Rng): string {
  return rng.weighted<() => string>([
    [() => hsl(rng.uniform(0, 360), rng.uniform(0.45, 0.95), rng.uniform(0.3, 0.62)), 7],
    [() => hsl(rng.uniform(0, 360), rng.uniform(0, 0.15), rng.uniform(0.85, 0.97)), 1.5],
    [() => hsl(rng.uniform(0, 360), rng.uniform(0, 0.3), rng.uniform(0.08, 0.2)), 1.5],
  ])();
}

function inkColor(rng: Rng, background: string): string {
  const light = luminance(background) > 0.5;
  return light ? hsl(rng.uniform(0, 360), rng.uniform(0, 0.6), rng.uniform(0.05, 0.3)) : hsl(0, 0, rng.uniform(0.85, 1));
}

function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  return (0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
}

/** Label art in the unit square: stripes, colour blocks, a logo, and text-like marks. */
function labelMarks(rng: Rng, body: string): LabelMark[] {
  const marks: LabelMark[] = [];
  const ink = inkColor(rng, body);
  const style = rng.pick(['stripes', 'blocks', 'text', 'logo', 'band'] as const);
  switch (style) {
    case 'stripes': {
      const n = rng.int(2, 5);
      const skew = rng.chance(0.5) ? 0 : rng.uniform(-0.4, 0.4);
      for (let i = 0; i < n; i++)
        marks.push({ kind: 'stripe', y: rng.uniform(0, 0.9), h: rng.uniform(0.04, 0.16), skew, color: productColor(rng) });
      break;
    }
    case 'blocks': {
      const n = rng.int(1, 3);
      for (let i = 0; i < n; i++) {
        const w = rng.uniform(0.3, 1);
        const h = rng.uniform(0.15, 0.5);
        marks.push({
          kind: 'rect',
          x: rng.uniform(0, 1 - w),
          y: rng.uniform(0, 1 - h),
          w,
          h,
          color: productColor(rng),
          rx: rng.chance(0.3) ? 0.05 : 0,
        });
      }
      break;
    }
    case 'logo':
      marks.push({
        kind: 'ellipse',
        cx: rng.uniform(0.35, 0.65),
        cy: rng.uniform(0.25, 0.5),
        rx: rng.uniform(0.2, 0.4),
        ry: rng.uniform(0.12, 0.25),
        color: productColor(rng),
      });
      break;
    case 'band':
      marks.push({ kind: 'rect', x: 0, y: rng.uniform(0.2, 0.5), w: 1, h: rng.uniform(0.2, 0.4), color: productColor(rng) });
      break;
    case 'text':
      break;
  }
  // Text-like marks: short dark dashes in lines, word lengths varied.
  const lines = rng.int(style === 'text' ? 2 : 0, style === 'text' ? 5 : 3);
  let y = rng.uniform(0.45, 0.65);
  for (let l = 0; l < lines && y < 0.95; l++) {
    const h = rng.uniform(0.035, 0.08) * (l === 0 ? 1.6 : 1);
    let x = rng.uniform(0.08, 0.2);
    while (x < 0.85) {
      const w = rng.uniform(0.06, 0.3);
      if (x + w > 0.92) break;
      marks.push({ kind: 'rect', x, y, w, h, color: ink });
      x += w + rng.uniform(0.04, 0.08);
    }
    y += h + rng.uniform(0.04, 0.08);
  }
  return marks;
}

function makeSku(rng: Rng, id: number, shape: PackagingShape, clearance: number): SkuTemplate {
  let w: number;
  let h: number;
  let labelBand: readonly [number, number];
  switch (shape) {
    case 'box':
      h = clearance * rng.uniform(0.3, 0.9);
      w = Math.min(clearance * 0.9, h * rng.uniform(0.45, 1.3));
      labelBand = [0.04, 0.96];
      break;
    case 'bottle':
      h = clearance * rng.uniform(0.62, 0.93);
      w = h * rng.uniform(0.24, 0.38);
      labelBand = [0.42, 0.75];
      break;
    case 'can':
      h = clearance * rng.uniform(0.38, 0.68);
      w = h * rng.uniform(0.5, 0.72);
      labelBand = [0.1, 0.9];
      break;
    case 'pouch':
      h = clearance * rng.uniform(0.5, 0.86);
      w = h * rng.uniform(0.55, 0.85);
      labelBand = [0.18, 0.92];
      break;
    case 'jar':
      h = clearance * rng.uniform(0.3, 0.58);
      w = h * rng.uniform(0.7, 1.05);
      labelBand = [0.3, 0.85];
      break;
  }
  const body = productColor(rng);
  const accent = shape === 'can' ? hsl(0, 0, rng.uniform(0.6, 0.85)) : productColor(rng);
  return {
    id,
    shape,
    w,
    h,
    body,
    accent,
    marks: labelMarks(rng, body),
    labelBand,
    translucent: shape === 'bottle' && rng.chance(0.25),
  };
}

const ROW_THEMES: ReadonlyArray<readonly [ReadonlyArray<readonly [PackagingShape, number]>, number]> = [
  [
    [
      ['bottle', 3],
      ['can', 2],
    ],
    2,
  ],
  [
    [
      ['box', 3],
      ['pouch', 2],
    ],
    2,
  ],
  [[['box', 1]], 1.5],
  [
    [
      ['jar', 2],
      ['box', 1],
      ['can', 1],
    ],
    1,
  ],
  [
    [
      ['pouch', 2],
      ['bottle', 1],
    ],
    1,
  ],
  [
    [
      ['box', 1],
      ['bottle', 1],
      ['can', 1],
      ['pouch', 1],
      ['jar', 1],
    ],
    2,
  ],
];

export interface LayoutOptions {
  seed: number;
  /** Image size in pixels (default 640×480). */
  width?: number;
  height?: number;
  /**
   * `random` (default): the shelf unit may run past the image edges and rows may be cut off, like a
   * training photo. `fit`: the whole unit and every row are inside the image (the demo camera).
   */
  framing?: 'random' | 'fit';
  /** Number of shelf rows for `fit` framing (default: seeded 3..5). */
  rows?: number;
}

/**
 * The fixed part of a shelf scene: unit, rails, rows of slots, SKU designs, lighting and camera,
 * with every slot filled. Same seed ⇒ same layout.
 */
export function generateShelfLayout(opts: LayoutOptions): ShelfLayout {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const framing = opts.framing ?? 'random';
  const rng = makeRng(subSeed(opts.seed, 1));
  const scale = Math.min(width / 640, height / 480);

  const appearance = makeAppearance(rng);
  const lighting = makeLighting(rng);

  // Vertical structure: rails at a constant pitch with a little jitter.
  let pitch: number;
  let firstTop: number;
  let rowCount: number;
  let unit: Box;
  if (framing === 'fit') {
    rowCount = opts.rows ?? rng.int(3, 5);
    const margin = height * rng.uniform(0.03, 0.07);
    pitch = (height - 2 * margin) / (rowCount + 0.05);
    firstTop = margin + pitch * 0.05;
    const side = width * rng.uniform(0.02, 0.06);
    unit = { x1: side, y1: margin, x2: width - side, y2: height - margin };
  } else {
    const visibleRows = rng.uniform(2.4, 5.6);
    pitch = height / visibleRows;
    const topVisible = rng.chance(0.3);
    firstTop = topVisible ? rng.uniform(0.02, 0.15) * height : -rng.uniform(0, 0.6) * pitch;
    rowCount = Math.ceil((height - firstTop) / pitch) + 1;
    const sidesVisible = rng.chance(0.35);
    unit = sidesVisible
      ? {
          x1: rng.uniform(-0.02, 0.12) * width,
          y1: firstTop - pitch * 0.06,
          x2: rng.uniform(0.88, 1.02) * width,
          y2: firstTop + rowCount * pitch,
        }
      : { x1: -0.1 * width, y1: firstTop - pitch * 0.06, x2: 1.1 * width, y2: firstTop + rowCount * pitch };
  }
  const uprightW = pitch * rng.uniform(0.06, 0.12);
  const uprights: Array<{ x1: number; x2: number }> = [];
  const bays: Array<{ x1: number; x2: number }> = [];
  if (rng.chance(0.3) && unit.x2 - unit.x1 > 3 * pitch) {
    const mid = unit.x1 + (unit.x2 - unit.x1) * rng.uniform(0.3, 0.7);
    uprights.push({ x1: mid - uprightW / 2, x2: mid + uprightW / 2 });
    bays.push({ x1: unit.x1, x2: mid - uprightW / 2 }, { x1: mid + uprightW / 2, x2: unit.x2 });
  } else {
    bays.push({ x1: unit.x1, x2: unit.x2 });
  }

  const skus: SkuTemplate[] = [];
  const rows: ShelfRow[] = [];
  const railH = pitch * rng.uniform(0.07, 0.12);
  const cameraRow = rng.uniform(-0.5, rowCount - 0.5);
  for (let r = 0; r < rowCount; r++) {
    const top = firstTop + r * pitch;
    const railY = top + pitch - railH;
    if (railY < 0.12 * pitch || top > height - 0.25 * pitch) continue; // not enough of the row in view
    // Rows below the camera show more of the shelf deck.
    const deckH = Math.max(0, (r - cameraRow) * pitch * 0.03);
    const clearance = railY - top - deckH * 0.4;
    const theme = rng.weighted(ROW_THEMES);
    const rowSkus: SkuTemplate[] = [];
    const skuCount = rng.int(3, 8);
    for (let i = 0; i < skuCount; i++) {
      const sku = makeSku(rng, skus.length, rng.weighted(theme), clearance);
      skus.push(sku);
      rowSkus.push(sku);
    }
    const slots: ShelfSlot[] = [];
    const tags: PriceTag[] = [];
    const gapPx = rng.uniform(0.5, 4) * scale;
    const base = railY - deckH * 0.4;
    for (const [bayIndex, bay] of bays.entries()) {
      const bayStart = slots.length;
      let x = bay.x1 + rng.uniform(1, 6) * scale;
      let fill = true;
      while (fill) {
        const sku = rng.pick(rowSkus);
        const facings = rng.int(1, 6);
        const tagX = x;
        for (let f = 0; f < facings; f++) {
          if (x + sku.w > bay.x2) {
            fill = false;
            break;
          }
          const stacked = sku.shape === 'box' && sku.h < clearance * 0.46;
          const items: ShelfItem[] = [{ x1: x, y1: base - sku.h, x2: x + sku.w, y2: base, sku: sku.id }];
          if (stacked) items.push({ x1: x, y1: base - 2 * sku.h - 1, x2: x + sku.w, y2: base - sku.h - 1, sku: sku.id });
          slots.push({
            index: slots.length,
            x1: x,
            x2: x + sku.w + gapPx,
            sku: sku.id,
            bay: bayIndex,
            items,
            removalRank: 0,
            filled: true,
          });
          x += sku.w + gapPx;
        }
        if (x > tagX + 1) tags.push(makeTag(rng, tagX, railY, railH, Math.min(pitch * 0.35, x - tagX)));
      }
      // Spread the leftover space over the bay so no unlabelled hole remains at its end.
      const inBay = slots.length - bayStart;
      if (inBay > 0) {
        const leftover = Math.max(0, bay.x2 - x - rng.uniform(1, 4) * scale);
        const extra = leftover / inBay;
        for (let i = bayStart; i < slots.length; i++) {
          const s = slots[i]!;
          const shift = extra * (i - bayStart);
          s.x1 += shift;
          s.x2 += shift + extra;
          for (const it of s.items) {
            it.x1 += shift + extra / 2;
            it.x2 += shift + extra / 2;
          }
        }
      }
    }
    // A seeded permutation decides which slots empty first when a zone depletes.
    const order = slots.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    order.forEach((slotIndex, rank) => (slots[slotIndex]!.removalRank = rank));
    rows.push({ index: rows.length, top, railY, railH, deckH, bays, slots, tags });
  }

  const camera = makeCamera(rng, width, height, framing);
  return { seed: opts.seed, width, height, appearance, lighting, camera, unit, uprights, skus, rows };
}

function makeTag(rng: Rng, x: number, railY: number, railH: number, maxW: number): PriceTag {
  const w = Math.min(maxW, railH * rng.uniform(2, 3.5));
  const h = railH * rng.uniform(0.65, 1.25);
  const y1 = railY + railH * rng.uniform(0.05, 0.3);
  return {
    x1: x,
    y1,
    x2: x + w,
    y2: y1 + h,
    paper: rng.weighted([
      ['#f4f4ee', 5],
      ['#fff27a', 2],
      ['#ffb347', 1],
      ['#e8f3ff', 1],
    ]),
    ink: '#1a1a1a',
    accent: rng.pick(['#d62828', '#1d3557', '#2a9d8f', '#111111']),
  };
}

function makeAppearance(rng: Rng): ShelfAppearance {
  const back = rng.weighted<() => string>([
    [() => hsl(0, 0, rng.uniform(0.78, 0.95)), 4],
    [() => hsl(rng.uniform(0, 360), rng.uniform(0, 0.15), rng.uniform(0.2, 0.5)), 3],
    [() => hsl(rng.uniform(25, 45), rng.uniform(0.2, 0.45), rng.uniform(0.55, 0.8)), 2],
    [() => hsl(rng.uniform(190, 230), rng.uniform(0.2, 0.5), rng.uniform(0.3, 0.7)), 1],
    [() => hsl(0, 0, rng.uniform(0.06, 0.14)), 1.5],
  ])();
  const rail = rng.weighted<() => string>([
    [() => hsl(0, 0, rng.uniform(0.75, 0.95)), 4],
    [() => hsl(0, 0, rng.uniform(0.3, 0.55)), 2],
    [() => hsl(rng.uniform(20, 40), rng.uniform(0.3, 0.55), rng.uniform(0.3, 0.55)), 1.5],
    [() => hsl(0, 0, rng.uniform(0.05, 0.15)), 1.5],
    [() => hsl(rng.uniform(0, 360), rng.uniform(0.5, 0.8), rng.uniform(0.35, 0.55)), 1],
  ])();
  return {
    wall: hsl(rng.uniform(0, 360), rng.uniform(0, 0.25), rng.uniform(0.55, 0.9)),
    floor: hsl(rng.uniform(20, 50), rng.uniform(0, 0.2), rng.uniform(0.35, 0.7)),
    back,
    backPattern: rng.weighted([
      ['plain', 5],
      ['pegboard', 2],
      ['slats', 2],
    ]),
    rail,
    railShade: hsl(0, 0, rng.uniform(0.05, 0.3)),
    upright: hsl(0, 0, rng.uniform(0.2, 0.85)),
    deck: hsl(0, 0, rng.uniform(0.55, 0.9)),
  };
}

function makeLighting(rng: Rng): Lighting {
  // Colour temperature from warm (~3000 K) to cool (~6500 K), as per-channel gains.
  const t = rng.uniform(-1, 1);
  const tint: [number, number, number] = [1 + 0.14 * t, 1 + 0.02 * Math.abs(t) * rng.uniform(-1, 1), 1 - 0.16 * t];
  const spots = Array.from({ length: rng.int(0, 3) }, () => ({
    cx: rng.uniform(0, 1),
    cy: rng.uniform(-0.2, 0.6),
    r: rng.uniform(0.3, 0.8),
    strength: rng.uniform(0.05, 0.3),
  }));
  return { gain: rng.uniform(0.68, 1.22), tint, spots, falloff: rng.uniform(0, 0.35) };
}

function makeCamera(rng: Rng, width: number, height: number, framing: 'random' | 'fit'): CameraEffects {
  const k = framing === 'fit' ? 0.4 : 1;
  const rot = (rng.uniform(-1.2, 1.2) * k * Math.PI) / 180;
  const shx = rng.uniform(-0.035, 0.035) * k;
  const shy = rng.uniform(-0.015, 0.015) * k;
  const s = framing === 'fit' ? 0.97 : rng.uniform(0.97, 1.06);
  // M = T(c) · R · Shear · S · T(-c)
  const cos = Math.cos(rot);
  const sin = Math.sin(rot);
  // Shear matrix [[1, shx], [shy, 1]], then rotation.
  const a = s * (cos - sin * shy);
  const b = s * (sin + cos * shy);
  const c = s * (cos * shx - sin);
  const d = s * (sin * shx + cos);
  const cx = width / 2;
  const cy = height / 2;
  const e = cx - (a * cx + c * cy) + rng.uniform(-0.01, 0.01) * width * k;
  const f = cy - (b * cx + d * cy) + rng.uniform(-0.01, 0.01) * height * k;
  return {
    matrix: [a, b, c, d, e, f],
    blurSigma: rng.weighted<() => number>([
      [() => 0, 4],
      [() => rng.uniform(0.4, 1.0), 4],
      [() => rng.uniform(1.0, 1.8), 2],
    ])(),
    noiseSigma: rng.weighted<() => number>([
      [() => rng.uniform(0, 3), 3],
      [() => rng.uniform(3, 8), 4],
      [() => rng.uniform(8, 14), 2],
    ])(),
    jpegQuality: rng.int(55, 95),
  };
}

/** Applies the camera matrix to a shelf-space point. */
export function toImage(m: CameraEffects['matrix'], x: number, y: number): readonly [number, number] {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}

/** Axis-aligned hull of a transformed shelf-space box (not clipped). */
export function transformBox(m: CameraEffects['matrix'], b: Box): Box {
  const pts = [toImage(m, b.x1, b.y1), toImage(m, b.x2, b.y1), toImage(m, b.x1, b.y2), toImage(m, b.x2, b.y2)];
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return { x1: Math.min(...xs), y1: Math.min(...ys), x2: Math.max(...xs), y2: Math.max(...ys) };
}

export function boxArea(b: Box): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

export function intersectBoxes(a: Box, b: Box): Box {
  return { x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1), x2: Math.min(a.x2, b.x2), y2: Math.min(a.y2, b.y2) };
}

/** Share of a shelf-space box hidden by the occluders, estimated on a 9×9 grid of points. */
export function occludedFraction(b: Box, occluders: readonly Occluder[]): number {
  if (occluders.length === 0) return 0;
  const n = 9;
  let hidden = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = b.x1 + ((i + 0.5) / n) * (b.x2 - b.x1);
      const y = b.y1 + ((j + 0.5) / n) * (b.y2 - b.y1);
      if (occluders.some((o) => covers(o, x, y))) hidden++;
    }
  }
  return hidden / (n * n);
}

function covers(o: Occluder, x: number, y: number): boolean {
  switch (o.kind) {
    case 'arm': {
      const dx = o.x2 - o.x1;
      const dy = o.y2 - o.y1;
      const t = Math.max(0, Math.min(1, ((x - o.x1) * dx + (y - o.y1) * dy) / (dx * dx + dy * dy || 1)));
      const px = o.x1 + t * dx - x;
      const py = o.y1 + t * dy - y;
      // The hand at the end is drawn 1.3× wider than the arm.
      const hx = o.x2 - x;
      const hy = o.y2 - y;
      return px * px + py * py <= o.r * o.r || hx * hx + hy * hy <= 1.69 * o.r * o.r;
    }
    case 'blob': {
      const u = (x - o.cx) / o.rx;
      const v = (y - o.cy) / o.ry;
      // The renderer feathers the edge; count the solid core only.
      return u * u + v * v <= 0.85;
    }
    case 'strip':
      return x >= o.x1 && x <= o.x2 && y >= o.y1 && y <= o.y2;
  }
}

/** Contiguous runs of empty slots in a row, each as [first, last] slot index. */
export function emptyRuns(row: ShelfRow): Array<readonly [number, number]> {
  const runs: Array<readonly [number, number]> = [];
  let start = -1;
  row.slots.forEach((s, i) => {
    if (!s.filled && start < 0) start = i;
    if (s.filled && start >= 0) {
      runs.push([start, i - 1]);
      start = -1;
    }
  });
  if (start >= 0) runs.push([start, row.slots.length - 1]);
  return runs;
}

/** Shelf-space box of a gap of slots `first..last` (one bay): neighbour to neighbour, rail to rail. */
export function gapBox(row: ShelfRow, first: number, last: number): Box {
  const a = row.slots[first]!;
  const bay = row.bays[a.bay]!;
  const left = row.slots[first - 1];
  const right = row.slots[last + 1];
  const x1 = left !== undefined && left.bay === a.bay ? Math.max(...left.items.map((i) => i.x2)) : bay.x1;
  const x2 = right !== undefined && right.bay === a.bay ? Math.min(...right.items.map((i) => i.x1)) : bay.x2;
  return { x1, y1: row.top, x2, y2: row.railY };
}

/** Gap boxes of a row; a run of empty slots across an upright becomes one gap per bay. */
export function gapBoxes(row: ShelfRow): Box[] {
  const boxes: Box[] = [];
  for (const [first, last] of emptyRuns(row)) {
    let start = first;
    for (let i = first; i <= last; i++) {
      const next = row.slots[i + 1];
      if (i === last || (next !== undefined && next.bay !== row.slots[i]!.bay)) {
        boxes.push(gapBox(row, start, i));
        start = i + 1;
      }
    }
  }
  return boxes;
}

/** Labels in image pixels: products that are not hidden and gaps, clipped to the image. */
export function computeLabels(layout: ShelfLayout, occluders: readonly Occluder[]): SceneLabel[] {
  const labels: SceneLabel[] = [];
  const image: Box = { x1: 0, y1: 0, x2: layout.width, y2: layout.height };
  const add = (cls: ShelfClass, b: Box) => {
    if (occludedFraction(b, occluders) > MAX_OCCLUDED_FRACTION) return;
    const full = transformBox(layout.camera.matrix, b);
    const clipped = intersectBoxes(full, image);
    const w = clipped.x2 - clipped.x1;
    const h = clipped.y2 - clipped.y1;
    if (w < 4 || h < 4 || boxArea(clipped) < MIN_VISIBLE_FRACTION * boxArea(full)) return;
    labels.push({ cls, ...roundBox(clipped) });
  };
  for (const row of layout.rows) {
    for (const slot of row.slots) if (slot.filled) for (const item of slot.items) add('product', item);
    for (const g of gapBoxes(row)) if (g.x2 - g.x1 > 2) add('gap', g);
  }
  return labels;
}

function roundBox(b: Box): Box {
  const r = (v: number) => Math.round(v * 10) / 10;
  return { x1: r(b.x1), y1: r(b.y1), x2: r(b.x2), y2: r(b.y2) };
}

/** A zone of one row, in slots, and how full it is (1 = all slots filled, 0 = empty). */
export interface ZoneFill {
  row: number;
  /** First and last slot index, inclusive. */
  fromSlot: number;
  toSlot: number;
  filledFraction: number;
}

export interface ComposeOptions {
  /** Zones with their fill; slots outside every zone stay filled. */
  zones?: readonly ZoneFill[];
  /** Frame number: changes only the sensor noise, so a still shelf still looks like live video. */
  frame?: number;
  /** Random occluders (shopper's arm, body, promo strip); off unless asked for. */
  occlusion?: boolean;
}

/**
 * A scene from a layout and an explicit fill state. Within a zone, slots empty in the layout's
 * seeded `removalRank` order, so depletion is monotonic: the empty slots at fill 0.4 include all
 * empty slots at fill 0.6. This is what the demo camera calls once per frame.
 */
export function composeShelfScene(layout: ShelfLayout, opts: ComposeOptions = {}): ShelfScene {
  const rows = layout.rows.map((row) => ({ ...row, slots: row.slots.map((s) => ({ ...s, filled: true })) }));
  for (const z of opts.zones ?? []) {
    const row = rows[z.row];
    if (row === undefined) continue;
    const inZone = row.slots.filter((s) => s.index >= z.fromSlot && s.index <= z.toSlot);
    const empty = Math.round((1 - Math.min(1, Math.max(0, z.filledFraction))) * inZone.length);
    [...inZone]
      .sort((a, b) => a.removalRank - b.removalRank)
      .slice(0, empty)
      .forEach((s) => (s.filled = false));
  }
  const frame = opts.frame ?? 0;
  const occluders = opts.occlusion === true ? makeOccluders(makeRng(subSeed(layout.seed, 1000 + frame)), layout) : [];
  const scene: ShelfLayout = { ...layout, rows };
  return { ...scene, occluders, noiseSeed: subSeed(layout.seed, 5000 + frame), labels: computeLabels(scene, occluders) };
}

/** Convenience for the demo camera: layout (fit framing) + zone fill in one call. */
export function shelfStateScene(opts: LayoutOptions & ComposeOptions): ShelfScene {
  return composeShelfScene(generateShelfLayout({ framing: 'fit', ...opts }), opts);
}

/**
 * Where a zone is in the image, as a normalized polygon (4 corners, clockwise from top-left), so the
 * demo camera can configure zones that match the slots it depletes.
 */
export function zonePolygon(layout: ShelfLayout, zone: Omit<ZoneFill, 'filledFraction'>): Array<readonly [number, number]> {
  const row = layout.rows[zone.row];
  const from = row?.slots[zone.fromSlot];
  const to = row?.slots[zone.toSlot];
  if (row === undefined || from === undefined || to === undefined)
    throw new RangeError(`zone outside layout: row ${zone.row} slots ${zone.fromSlot}..${zone.toSlot}`);
  const m = layout.camera.matrix;
  const corners = [
    toImage(m, from.x1, row.top),
    toImage(m, to.x2, row.top),
    toImage(m, to.x2, row.railY),
    toImage(m, from.x1, row.railY),
  ];
  return corners.map(
    ([x, y]) => [Math.min(1, Math.max(0, x / layout.width)), Math.min(1, Math.max(0, y / layout.height))] as const,
  );
}

export interface SceneOptions {
  seed: number;
  width?: number;
  height?: number;
  /** `random` (default) or `fit`: the whole unit in view, like the demo camera (see `LayoutOptions`). */
  framing?: 'random' | 'fit';
  /** Rows for `fit` framing. */
  rows?: number;
}

/**
 * A random training scene: random layout (random framing unless `fit` is asked for), random gaps
 * (runs of 1–4 product widths, sometimes wider, sometimes a whole bay), random occluders.
 */
export function generateShelfScene(opts: SceneOptions): ShelfScene {
  const layout = generateShelfLayout({
    seed: opts.seed,
    width: opts.width,
    height: opts.height,
    framing: opts.framing ?? 'random',
    rows: opts.rows,
  });
  const rng = makeRng(subSeed(opts.seed, 2));
  const rows = layout.rows.map((row) => {
    const slots = row.slots.map((s) => ({ ...s, filled: true }));
    if (rng.chance(0.03)) {
      slots.forEach((s) => (s.filled = false));
    } else {
      const runs = rng.weighted([
        [0, 1.5],
        [1, 3.5],
        [2, 3],
        [3, 2],
        [4, 0.8],
      ]);
      for (let k = 0; k < runs && slots.length > 0; k++) {
        const len = rng.chance(0.1)
          ? rng.int(5, 8)
          : rng.weighted([
              [1, 3],
              [2, 3],
              [3, 2],
              [4, 1.5],
            ]);
        const start = rng.int(0, Math.max(0, slots.length - 1));
        for (let i = start; i < Math.min(slots.length, start + len); i++) slots[i]!.filled = false;
      }
    }
    return { ...row, slots };
  });
  const scene: ShelfLayout = { ...layout, rows };
  const occluders = makeOccluders(rng, scene);
  return { ...scene, occluders, noiseSeed: subSeed(opts.seed, 3), labels: computeLabels(scene, occluders) };
}

function makeOccluders(rng: Rng, layout: ShelfLayout): Occluder[] {
  const { width: w, height: h } = layout;
  const s = Math.min(w / 640, h / 480);
  const out: Occluder[] = [];
  if (rng.chance(0.22)) {
    // A shopper's arm reaching in from an edge.
    const edge = rng.pick(['left', 'right', 'bottom'] as const);
    const [x1, y1] =
      edge === 'left'
        ? [-20, rng.uniform(0.3, 1.1) * h]
        : edge === 'right'
          ? [w + 20, rng.uniform(0.3, 1.1) * h]
          : [rng.uniform(0, 1) * w, h + 20];
    const x2 = rng.uniform(0.2, 0.8) * w;
    const y2 = rng.uniform(0.15, 0.85) * h;
    out.push({
      kind: 'arm',
      x1,
      y1,
      x2,
      y2,
      r: rng.uniform(12, 26) * s,
      sleeve: productColor(rng),
      skin: hsl(rng.uniform(15, 35), rng.uniform(0.3, 0.6), rng.uniform(0.3, 0.75)),
    });
  }
  if (rng.chance(0.1)) {
    // A passing shopper close to the camera: a large soft dark shape at a side.
    const left = rng.chance(0.5);
    out.push({
      kind: 'blob',
      cx: left ? rng.uniform(-0.2, 0.1) * w : rng.uniform(0.9, 1.2) * w,
      cy: rng.uniform(0.3, 0.9) * h,
      rx: rng.uniform(0.15, 0.3) * w,
      ry: rng.uniform(0.4, 0.8) * h,
      color: hsl(rng.uniform(0, 360), rng.uniform(0, 0.5), rng.uniform(0.05, 0.35)),
    });
  }
  if (rng.chance(0.15) && layout.rows.length > 0) {
    // A promotional shelf strip hanging in front of the lower part of one row's products.
    const row = rng.pick(layout.rows);
    const clear = row.railY - row.top;
    const y2 = row.railY - clear * rng.uniform(0, 0.1);
    const x1 = rng.uniform(-0.1, 0.5) * w;
    out.push({
      kind: 'strip',
      x1,
      y1: y2 - clear * rng.uniform(0.15, 0.4),
      x2: x1 + rng.uniform(0.25, 0.8) * w,
      y2,
      color: productColor(rng),
      ink: '#ffffff',
    });
  }
  return out;
}
