// Detections → per-zone measurements (pure). Choices, so the numbers can be read:
// - facings: product boxes whose centre lies inside the zone polygon (docs/architecture.md §7);
// - product/gap count: boxes whose centre is inside, or that have at least half their area inside
//   the zone's bounding box (so a wide gap straddling two zones is still counted where it mostly is);
// - fill ratio: how much of the zone's shelf run is stocked, with every box clipped to the zone's
//   axis-aligned bounding box (not the polygon: zones are near-rectangles on a shelf and the clip is
//   cheap). Boxes that only graze the zone vertically (less than half their height inside, e.g. the
//   tops of the row below) are left out of the fill. "The zone's width" is the width of the polygon
//   along the shelf, at its mid-height (a sheared zone's bounding box is wider than the shelf run).
//   Four ways to measure it (`fillMetric`):
//   - `pitch` (default): each product counts for its slot, the product plus its share of the spacing
//     between products, divided by the zone's width. The spacing is measured on the frame: the
//     median hole between neighbouring products that is narrower than half a product (a wider hole
//     is a missing product) in the zone; when the zone has no two products side by side, twice the
//     margin between a zone end and its outermost product (if that is also under half a product);
//     failing both, the median hole in the whole frame. It does not need gaps to be detected (a
//     missed gap, e.g. at the end of a row, cannot make a zone look full; models without a gap class
//     still get a fill), reads a full zone as 1 (less half a spacing at most), but assumes the zone
//     is drawn tightly around the shelf run;
//   - `span`: the products' own width ÷ the zone's width; like `pitch` without the spacing, so it
//     reads a full shelf a little below 1 and every fill too low by the spacing share;
//   - `width`: product ÷ (product ∪ gap) width, projected on the shelf's horizontal axis: blind to
//     product height, but a missed gap makes the zone look fuller;
//   - `area`: the same in pixels² (a gap box spans the full clearance, a product rarely does).
//   No product and no gap in the zone ⇒ fill 0.
// - snapping to facings (`snapToFacings`, off by default): when the facings seen ÷ the expected
//   facings agrees with the measured fill to within half a facing, that ratio is the fill. Counting
//   is exact where measuring is not (a zone of 4 equal facings with 2 left is at 0.50, on the `low`
//   threshold, and a width estimate of 0.49 or 0.51 makes its state a coin toss), but it is wrong
//   for zones whose facings differ in width. On the synthetic evaluation shelves, whose zones mix
//   slot widths, it won on some seed sets and lost on others (edge-agent/models/MODEL_CARD.md), so
//   it is an option for planogram-style zones of one package size.
import {
  area,
  boundsOf,
  chordAt,
  clipBox,
  pointInPolygon,
  toPixels,
  unionArea,
  unionLength,
  type NormalizedPoint,
  type PixelBox,
} from './zone-geometry.ts';

export interface ZoneSpec {
  /** Becomes part of subjects and database keys: a TokenId. */
  readonly id: string;
  readonly sku: string;
  readonly expectedFacings: number;
  /** Normalized image coordinates, 3+ points. */
  readonly polygon: readonly NormalizedPoint[];
}

export interface BoxDetection {
  readonly class: string;
  readonly box: PixelBox;
}

export type FillMetric = 'pitch' | 'span' | 'width' | 'area';

export interface AnalysisOptions {
  readonly productClass: string;
  readonly gapClass: string;
  readonly fillMetric: FillMetric;
  /** Use facings ÷ expected facings as the fill when it agrees with the measured fill (see top). */
  readonly snapToFacings: boolean;
}

export const DEFAULT_ANALYSIS: AnalysisOptions = { productClass: 'product', gapClass: 'gap', fillMetric: 'pitch', snapToFacings: false };

export interface ZoneMeasurement {
  readonly zoneId: string;
  readonly sku: string;
  readonly expectedFacings: number;
  readonly detectedFacings: number;
  readonly productCount: number;
  readonly gapCount: number;
  /** 0..1, by the configured fill metric. */
  readonly fillRatio: number;
  /** 0..1, 1 − gap width ÷ zone width: the fill according to the gap boxes alone (no gap seen ⇒ 1). */
  readonly gapFillRatio: number;
}

const MIN_VERTICAL_SHARE = 0.5;
const MIN_AREA_SHARE = 0.5;
/** A hole between neighbouring products narrower than this share of the median product is spacing. */
const MAX_SPACING_SHARE = 0.5;

/** Measures every zone on one frame's detections; `image` is the frame size in pixels. */
export function analyseZones(
  detections: readonly BoxDetection[],
  image: { readonly width: number; readonly height: number },
  zones: readonly ZoneSpec[],
  opts: AnalysisOptions = DEFAULT_ANALYSIS,
): ZoneMeasurement[] {
  const products = detections.filter((d) => d.class === opts.productClass).map((d) => d.box);
  const gaps = detections.filter((d) => d.class === opts.gapClass).map((d) => d.box);
  const measured = zones.map((zone) => {
    const poly = toPixels(zone.polygon, image.width, image.height);
    const bounds = boundsOf(poly);
    const centreInside = (b: PixelBox) => pointInPolygon((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, poly);
    const clipped = (boxes: readonly PixelBox[]) => {
      const out: Clipped[] = [];
      for (const box of boxes) {
        const clip = clipBox(box, bounds);
        if (clip !== undefined) out.push({ box, clip });
      }
      return out;
    };
    const inFill = ({ box, clip }: Clipped) => {
      const h = box[3] - box[1];
      return h > 0 && clip[3] - clip[1] >= MIN_VERTICAL_SHARE * Math.min(h, bounds[3] - bounds[1]);
    };
    const counted = ({ box, clip }: Clipped) => centreInside(box) || area(clip) >= MIN_AREA_SHARE * area(box);

    const p = clipped(products);
    const g = clipped(gaps);
    const pFill = p.filter(inFill);
    const gFill = g.filter(inFill).map((x) => x.clip);
    const [left, right] = chordAt(poly, (bounds[1] + bounds[3]) / 2) ?? [bounds[0], bounds[2]];
    const zoneWidth = right - left;
    const runs = productRuns(pFill);
    const productWidth = median(pFill.map((x) => x.box[2] - x.box[0])) ?? 0;
    return {
      zone,
      bounds,
      zoneWidth,
      pFill,
      gFill,
      runs,
      spacings: spacings(runs, productWidth),
      endSpacings: endSpacings(runs, productWidth, left, right),
      detectedFacings: products.filter(centreInside).length,
      productCount: p.filter(counted).length,
      gapCount: g.filter(counted).length,
    };
  });
  // A zone with no neighbouring products of its own (a few isolated ones left) reads the spacing
  // off its ends when its end slots are stocked, else borrows the spacing seen in the rest of the
  // frame (same camera, but maybe another shelf with other products).
  const frameSpacings = measured.flatMap((z) => z.spacings);
  return measured.map((z) => {
    const spacing = median(z.spacings) ?? median(z.endSpacings) ?? median(frameSpacings) ?? 0;
    const measuredFill = measureFill(opts.fillMetric, z, spacing);
    const fillRatio = opts.snapToFacings ? snapToFacings(measuredFill, z.detectedFacings, z.zone.expectedFacings) : measuredFill;
    return {
      zoneId: z.zone.id,
      sku: z.zone.sku,
      expectedFacings: z.zone.expectedFacings,
      detectedFacings: z.detectedFacings,
      productCount: z.productCount,
      gapCount: z.gapCount,
      fillRatio,
      gapFillRatio: z.zoneWidth > 0 ? Math.max(0, 1 - measure(z.gFill, 'width') / z.zoneWidth) : 0,
    };
  });
}

function snapToFacings(fill: number, facings: number, expected: number): number {
  if (expected <= 0) return fill;
  const counted = facings / expected;
  return Math.abs(fill - counted) <= 0.5 / expected ? Math.min(1, counted) : fill;
}

interface Clipped {
  readonly box: PixelBox;
  /** The box clipped to the zone's bounding box. */
  readonly clip: PixelBox;
}

interface ZoneBoxes {
  readonly bounds: PixelBox;
  readonly zoneWidth: number;
  readonly pFill: readonly Clipped[];
  readonly gFill: readonly PixelBox[];
  readonly runs: ReadonlyArray<readonly [number, number]>;
}

function measureFill(metric: FillMetric, z: ZoneBoxes, spacing: number): number {
  const pFill = z.pFill.map((x) => x.clip);
  if (metric === 'span' || metric === 'pitch') {
    if (z.zoneWidth <= 0) return 0;
    // Every run of products widened by half the spacing on each side: a full run covers its slots.
    const half = metric === 'pitch' ? spacing / 2 : 0;
    const stocked = unionLength(z.runs.map(([a, b]) => [Math.max(z.bounds[0], a - half), Math.min(z.bounds[2], b + half)] as const));
    return Math.min(1, stocked / z.zoneWidth);
  }
  const covered = measure([...pFill, ...z.gFill], metric);
  return covered > 0 ? Math.min(1, measure(pFill, metric) / covered) : 0;
}

/** Horizontal runs of overlapping products (stacked boxes share their x), left to right. */
function productRuns(products: readonly Clipped[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const [a, b] of products.map((x) => [x.clip[0], x.clip[2]] as const).sort((u, v) => u[0] - v[0])) {
    const last = runs.at(-1);
    if (last !== undefined && a <= last[1]) last[1] = Math.max(last[1], b);
    else runs.push([a, b]);
  }
  return runs;
}

/** Holes between neighbouring runs narrow enough to be spacing rather than a missing product. */
function spacings(runs: ReadonlyArray<readonly [number, number]>, productWidth: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < runs.length; i++) {
    const hole = runs[i]![0] - runs[i - 1]![1];
    if (hole < MAX_SPACING_SHARE * productWidth) out.push(hole);
  }
  return out;
}

/**
 * The spacing implied by the holes between the zone's ends and its outermost products: a zone
 * drawn tightly around its shelf run has half a spacing there when the end slots are stocked.
 */
function endSpacings(runs: ReadonlyArray<readonly [number, number]>, productWidth: number, left: number, right: number): number[] {
  const first = runs[0];
  const last = runs.at(-1);
  if (first === undefined || last === undefined) return [];
  return [first[0] - left, right - last[1]].map((m) => 2 * Math.max(0, m)).filter((s) => s < MAX_SPACING_SHARE * productWidth);
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function measure(boxes: readonly PixelBox[], metric: 'width' | 'area'): number {
  return metric === 'area' ? unionArea(boxes) : unionLength(boxes.map((b) => [b[0], b[2]] as const));
}
