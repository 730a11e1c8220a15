// The demo store's camera: a seeded shelf (scene generator, `fit` framing) with one zone per SKU.
// Zones lose one slot per unit the POS sells and are refilled on a fixed schedule, and every frame
// is rendered from that state, so the whole vision pipeline runs against pictures whose truth is
// known. Deterministic: same seed, same sales, same clock ⇒ same bytes.
import { AppError } from '@shelfsense/contracts';
import {
  composeShelfScene,
  generateShelfLayout,
  zonePolygon,
  type ShelfLayout,
  type ShelfScene,
} from '../scene/shelf-scene.generator.ts';
import { renderShelfScene } from '../scene/shelf-scene.renderer.ts';
import { sleep, type Frame, type FrameSource } from './frame-source.ts';

export interface SyntheticShelfOptions {
  readonly seed: number;
  /** SKUs on the shelf, one zone each, laid out row by row, left to right. */
  readonly skus: readonly string[];
  /** Image size (default 640×480). */
  readonly width?: number | undefined;
  readonly height?: number | undefined;
  /** Shelf rows (default: enough for the SKUs, 2..6). */
  readonly rows?: number | undefined;
  /** Every zone is refilled on this period, counted from creation; null = never (default 10 min). */
  readonly restockEveryMs?: number | null | undefined;
  /** Random shoppers' arms and promo strips in front of the products (default off). */
  readonly occlusion?: boolean | undefined;
  readonly clock?: () => Date;
}

/** Where a synthetic zone is and how full it really is: the ground truth for evaluation. */
export interface SyntheticZoneTruth {
  readonly zoneId: string;
  readonly sku: string;
  /** Slots in the zone; a slot holds one facing (or two stacked boxes). */
  readonly capacity: number;
  /** Slots still filled. */
  readonly units: number;
  /** `units / capacity`. */
  readonly fill: number;
  /** Product boxes in the zone when it is full (what a perfect detector counts as facings). */
  readonly expectedFacings: number;
  /** Product boxes on the shelf right now. */
  readonly facings: number;
  /** Share of the zone's width whose slots are filled: what the fill ratio estimates. */
  readonly coverage: number;
}

/** A zone as the shelf analysis needs it (matches `ZoneSpec` in vision/shelf). */
export interface SyntheticZoneSpec {
  readonly id: string;
  readonly sku: string;
  readonly expectedFacings: number;
  readonly polygon: ReadonlyArray<readonly [number, number]>;
}

interface ZoneSlots {
  readonly id: string;
  readonly sku: string;
  readonly row: number;
  readonly fromSlot: number;
  readonly toSlot: number;
  readonly itemsPerSlot: readonly number[];
  units: number;
}

/** A TokenId-safe zone id from a SKU (`Cola 330ml` → `cola-330ml`). */
export function zoneIdForSku(sku: string): string {
  const slug = sku
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '')
    .slice(0, 56);
  return slug === '' ? 'zone' : slug;
}

export class SyntheticShelf {
  readonly layout: ShelfLayout;
  readonly #zones: ZoneSlots[];
  readonly #restockEveryMs: number | null;
  readonly #occlusion: boolean;
  readonly #clock: () => Date;
  #nextRestockAt: number | null;
  /** Units sold that found stock on the shelf, and ones that did not. */
  sold = 0;
  missedSales = 0;
  restocks = 0;

  constructor(opts: SyntheticShelfOptions) {
    if (opts.skus.length === 0) throw new AppError('validation_failed', 'a synthetic shelf needs at least one sku');
    this.#clock = opts.clock ?? (() => new Date());
    this.#restockEveryMs = opts.restockEveryMs === undefined ? 10 * 60_000 : opts.restockEveryMs;
    this.#occlusion = opts.occlusion ?? false;
    // Without an explicit row count, add rows until every SKU gets a zone of 2+ slots.
    const first = opts.rows ?? Math.min(5, Math.max(2, Math.ceil(opts.skus.length / 3)));
    const last = opts.rows ?? Math.max(first, 6);
    let placed: { layout: ShelfLayout; zones: ZoneSlots[] } | undefined;
    for (let rows = first; placed === undefined; rows++) {
      const layout = generateShelfLayout({ seed: opts.seed, width: opts.width, height: opts.height, framing: 'fit', rows });
      try {
        placed = { layout, zones: assignZones(layout, opts.skus) };
      } catch (err) {
        if (rows >= last) throw err;
      }
    }
    this.layout = placed.layout;
    this.#zones = placed.zones;
    this.#nextRestockAt = this.#restockEveryMs === null ? null : this.#clock().getTime() + this.#restockEveryMs;
  }

  /** Takes up to `qty` units of `sku` off the shelf; returns how many were there to take. */
  sell(sku: string, qty = 1): number {
    this.#tick();
    let left = Math.max(0, Math.floor(qty));
    for (const z of this.#zones) {
      if (z.sku !== sku || left === 0) continue;
      const take = Math.min(left, z.units);
      z.units -= take;
      left -= take;
      this.sold += take;
    }
    this.missedSales += left;
    return Math.max(0, Math.floor(qty)) - left;
  }

  /** Sets a zone to `units` filled slots (evaluation sequences use this). */
  setUnits(zoneId: string, units: number): void {
    const z = this.#zones.find((x) => x.id === zoneId);
    if (z === undefined) throw new AppError('not_found', `no synthetic zone ${zoneId}`);
    z.units = Math.max(0, Math.min(z.itemsPerSlot.length, Math.round(units)));
  }

  /** Refills one zone, or all. */
  restock(zoneId?: string): void {
    for (const z of this.#zones) if (zoneId === undefined || z.id === zoneId) z.units = z.itemsPerSlot.length;
    this.restocks++;
  }

  /** Applies the restock schedule up to the clock's now. */
  #tick(): void {
    if (this.#nextRestockAt === null || this.#restockEveryMs === null) return;
    const now = this.#clock().getTime();
    if (now < this.#nextRestockAt) return;
    this.restock();
    const periods = Math.floor((now - this.#nextRestockAt) / this.#restockEveryMs) + 1;
    this.#nextRestockAt += periods * this.#restockEveryMs;
  }

  /** The zones as configured for analysis: normalized polygons that match the slots they deplete. */
  zoneSpecs(): SyntheticZoneSpec[] {
    return this.#zones.map((z) => ({
      id: z.id,
      sku: z.sku,
      expectedFacings: sum(z.itemsPerSlot),
      polygon: zonePolygon(this.layout, { row: z.row, fromSlot: z.fromSlot, toSlot: z.toSlot }),
    }));
  }

  truth(): SyntheticZoneTruth[] {
    this.#tick();
    return this.#zones.map((z) => {
      const capacity = z.itemsPerSlot.length;
      return {
        zoneId: z.id,
        sku: z.sku,
        capacity,
        units: z.units,
        fill: capacity === 0 ? 0 : z.units / capacity,
        expectedFacings: sum(z.itemsPerSlot),
        ...this.#filled(z),
      };
    });
  }

  /** Product boxes and width left: slots empty in the scene generator's removal order, as `composeShelfScene` does. */
  #filled(z: ZoneSlots): { facings: number; coverage: number } {
    const row = this.layout.rows[z.row]!;
    const slots = row.slots.filter((s) => s.index >= z.fromSlot && s.index <= z.toSlot);
    const emptied = new Set([...slots].sort((a, b) => a.removalRank - b.removalRank).slice(0, slots.length - z.units).map((s) => s.index));
    const kept = slots.filter((s) => !emptied.has(s.index));
    const width = (xs: typeof slots) => xs.reduce((n, s) => n + (s.x2 - s.x1), 0);
    const total = width(slots);
    // Rounded to 1e-9: summing float slot edges makes two of four equal slots 0.4999999999999999,
    // which would put an exactly half-stocked zone under the 0.5 `low` threshold.
    const coverage = total > 0 ? Math.round((width(kept) / total) * 1e9) / 1e9 : 0;
    return { facings: kept.reduce((n, s) => n + s.items.length, 0), coverage };
  }

  /** The scene of the current state; `frame` only changes the sensor noise (and occluders, when on). */
  scene(frame: number): ShelfScene {
    this.#tick();
    return composeShelfScene(this.layout, {
      zones: this.#zones.map((z) => ({ row: z.row, fromSlot: z.fromSlot, toSlot: z.toSlot, filledFraction: z.units / z.itemsPerSlot.length })),
      frame,
      occlusion: this.#occlusion,
    });
  }

  /** JPEG of the current state. */
  async render(frame: number): Promise<Buffer> {
    return renderShelfScene(this.scene(frame));
  }

  /** A camera that renders one frame per interval. */
  source(intervalMs: number): FrameSource {
    return (signal) => this.#frames(intervalMs, signal);
  }

  async *#frames(intervalMs: number, signal: AbortSignal): AsyncGenerator<Frame> {
    let seq = 0;
    while (!signal.aborted) {
      const started = Date.now();
      const capturedAt = this.#clock();
      const data = await this.render(seq);
      yield { data, capturedAt, seq: seq++ };
      if (!(await sleep(intervalMs - (Date.now() - started), signal))) return;
    }
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/**
 * One zone per SKU: rows get zones in proportion to their slots (each zone 2+ slots), each row is
 * split into near-equal runs of slots, and SKUs fill the zones top row first, left to right.
 */
function assignZones(layout: ShelfLayout, skus: readonly string[]): ZoneSlots[] {
  const rows = layout.rows;
  const counts = rows.map(() => 0);
  for (let k = 0; k < skus.length; k++) {
    let best = -1;
    for (let r = 0; r < rows.length; r++) {
      const slots = rows[r]!.slots.length;
      if ((counts[r]! + 1) * 2 > slots) continue;
      if (best < 0 || slots / (counts[r]! + 1) > rows[best]!.slots.length / (counts[best]! + 1)) best = r;
    }
    if (best < 0) {
      const total = rows.reduce((n, row) => n + Math.floor(row.slots.length / 2), 0);
      throw new AppError(
        'validation_failed',
        `synthetic shelf (seed ${layout.seed}) has room for ${total} zones of 2+ slots, not ${skus.length}; use more rows or fewer skus`,
      );
    }
    counts[best]!++;
  }
  const zones: ZoneSlots[] = [];
  const ids = new Set<string>();
  let next = 0;
  rows.forEach((row, r) => {
    const count = counts[r]!;
    for (let k = 0; k < count; k++) {
      const fromSlot = Math.floor((k * row.slots.length) / count);
      const toSlot = Math.floor(((k + 1) * row.slots.length) / count) - 1;
      const sku = skus[next++]!;
      let id = zoneIdForSku(sku);
      for (let n = 2; ids.has(id); n++) id = `${zoneIdForSku(sku).slice(0, 52)}-${n}`;
      ids.add(id);
      const itemsPerSlot = row.slots.slice(fromSlot, toSlot + 1).map((sl) => sl.items.length);
      zones.push({ id, sku, row: row.index, fromSlot, toSlot, itemsPerSlot, units: itemsPerSlot.length });
    }
  });
  return zones;
}
