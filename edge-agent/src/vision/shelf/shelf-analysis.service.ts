// Detections → per-zone measurements (pure, STYLE 13). Choices, so the numbers can be read:
// - facings: product boxes whose centre lies inside the zone polygon (ARCHITECTURE §7);
// - product/gap count: boxes whose centre is inside, or that have at least half their area inside
//   the zone's bounding box (so a wide gap straddling two zones is still counted where it mostly is);
// - fill ratio: product coverage ÷ (product ∪ gap) coverage, with every box clipped to the zone's
//   axis-aligned bounding box (not the polygon: zones are near-rectangles on a shelf and the clip is
//   cheap). Boxes that only graze the zone vertically (less than half their height inside, e.g. the
//   tops of the row below) are left out of the fill. `area` measures coverage in pixels²; `width`
//   projects the boxes onto the shelf's horizontal axis, which is what "how much of the shelf run is
//   stocked" means and is blind to product height (a gap box spans the full clearance, a product
//   rarely does). `span` divides the products' width by the zone's own width instead: it does not
//   need the gaps to be detected (a missed gap cannot make a zone look full) but assumes the zone
//   is drawn tightly around the shelf run, and reads a full shelf a little below 1 (the spacing
//   between products). No product and no gap in the zone ⇒ fill 0.
import {
  area,
  boundsOf,
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

export type FillMetric = 'area' | 'width' | 'span';

export interface AnalysisOptions {
  readonly productClass: string;
  readonly gapClass: string;
  readonly fillMetric: FillMetric;
}

export const DEFAULT_ANALYSIS: AnalysisOptions = { productClass: 'product', gapClass: 'gap', fillMetric: 'width' };

export interface ZoneMeasurement {
  readonly zoneId: string;
  readonly sku: string;
  readonly expectedFacings: number;
  readonly detectedFacings: number;
  readonly productCount: number;
  readonly gapCount: number;
  /** 0..1 */
  readonly fillRatio: number;
}

const MIN_VERTICAL_SHARE = 0.5;
const MIN_AREA_SHARE = 0.5;

/** Measures every zone on one frame's detections; `image` is the frame size in pixels. */
export function analyseZones(
  detections: readonly BoxDetection[],
  image: { readonly width: number; readonly height: number },
  zones: readonly ZoneSpec[],
  opts: AnalysisOptions = DEFAULT_ANALYSIS,
): ZoneMeasurement[] {
  const products = detections.filter((d) => d.class === opts.productClass).map((d) => d.box);
  const gaps = detections.filter((d) => d.class === opts.gapClass).map((d) => d.box);
  return zones.map((zone) => {
    const poly = toPixels(zone.polygon, image.width, image.height);
    const bounds = boundsOf(poly);
    const centreInside = (b: PixelBox) => pointInPolygon((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, poly);
    const clipped = (boxes: readonly PixelBox[]) => {
      const out: Array<{ box: PixelBox; clip: PixelBox }> = [];
      for (const box of boxes) {
        const clip = clipBox(box, bounds);
        if (clip !== undefined) out.push({ box, clip });
      }
      return out;
    };
    const inFill = ({ box, clip }: { box: PixelBox; clip: PixelBox }) => {
      const h = box[3] - box[1];
      return h > 0 && clip[3] - clip[1] >= MIN_VERTICAL_SHARE * Math.min(h, bounds[3] - bounds[1]);
    };
    const counted = ({ box, clip }: { box: PixelBox; clip: PixelBox }) => centreInside(box) || area(clip) >= MIN_AREA_SHARE * area(box);

    const p = clipped(products);
    const g = clipped(gaps);
    const pFill = p.filter(inFill).map((x) => x.clip);
    const gFill = g.filter(inFill).map((x) => x.clip);
    const covered = opts.fillMetric === 'span' ? bounds[2] - bounds[0] : measure([...pFill, ...gFill], opts.fillMetric);
    const fillRatio = covered > 0 ? Math.min(1, measure(pFill, opts.fillMetric) / covered) : 0;
    return {
      zoneId: zone.id,
      sku: zone.sku,
      expectedFacings: zone.expectedFacings,
      detectedFacings: products.filter(centreInside).length,
      productCount: p.filter(counted).length,
      gapCount: g.filter(counted).length,
      fillRatio,
    };
  });
}

function measure(boxes: readonly PixelBox[], metric: FillMetric): number {
  switch (metric) {
    case 'area':
      return unionArea(boxes);
    case 'width':
    case 'span':
      return unionLength(boxes.map((b) => [b[0], b[2]] as const));
  }
}
