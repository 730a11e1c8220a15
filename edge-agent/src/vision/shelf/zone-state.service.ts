// Zone state from measurements, and hysteresis so a noisy detector does not flap it (pure).
// Guards, all configurable:
// - margins move a threshold away from the current state (a zone that is `ok` only turns `low` once
//   fill drops below lowFillBelow − margin, and only turns back above lowFillBelow + margin). The
//   default 0.01 covers the frame-to-frame jitter of an unchanged, unobstructed shelf (p99 0.009 with
//   the bundled model and the `pitch` fill); it is not meant to absorb a shopper's arm;
// - a new state must be seen on `confirmFrames` consecutive analyses. That absorbs one-frame
//   occlusions, and costs one frame of lag on every real change;
// - ...unless the frame leaves no doubt: the fill ratio and the gap fill ratio (two readings of the
//   same shelf, from the product boxes and from the gap boxes) are both at least `clearMargin` past
//   every threshold between the reported and the new state, and within `clearMargin` of each
//   other. Then the new state is taken at once. Near a threshold, or when the readings disagree (an
//   arm hides products without showing a gap, or is taken for a product next to a detected gap), it
//   still needs confirming. The default 0.2 is above the fill swing an occluder causes on most
//   frames; at 0.1, occluded frames that fooled both readings were taken at once and made the
//   state flap. With emptyFillBelow 0.15 no fill is 0.2 below it, so `empty` is always confirmed:
//   an arm in front of a small zone looks exactly like an empty one.
import type { ZoneObservation, ZoneState } from '@shelfsense/contracts';
import type { ZoneMeasurement } from './shelf-analysis.service.ts';

export interface StateThresholds {
  /** `empty` below this fill ratio (default 0.15). */
  readonly emptyFillBelow: number;
  /** `low` below this fill ratio (default 0.5). */
  readonly lowFillBelow: number;
  /** `empty` when at most this many facings are seen, for zones that expect some (default 0). */
  readonly emptyFacingsAtMost: number;
  /** `low` when fewer than this share of the expected facings are seen; null = off (default). */
  readonly lowFacingsBelow: number | null;
}

export interface HysteresisOptions {
  /** Consecutive analyses a new state must hold before it is reported (default 2; 1 = off). */
  readonly confirmFrames: number;
  /** Fill-ratio margin around each threshold, in favour of the current state (default 0.01). */
  readonly margin: number;
  /**
   * A new state is reported without confirmation when the fill ratio and the gap fill ratio are both
   * at least this far past every threshold it crosses, and this close to each other (default 0.2;
   * null = always confirm).
   */
  readonly clearMargin: number | null;
}

export const DEFAULT_THRESHOLDS: StateThresholds = { emptyFillBelow: 0.15, lowFillBelow: 0.5, emptyFacingsAtMost: 0, lowFacingsBelow: null };
export const DEFAULT_HYSTERESIS: HysteresisOptions = { confirmFrames: 2, margin: 0.01, clearMargin: 0.2 };

const RANK: Readonly<Record<ZoneState, number>> = { empty: 0, low: 1, ok: 2 };

/**
 * The state the measurement says, before confirmation. With `current`, each fill threshold is
 * shifted by `margin` towards the side that keeps the current state.
 */
export function classifyZone(
  m: Pick<ZoneMeasurement, 'fillRatio' | 'detectedFacings' | 'expectedFacings'>,
  t: StateThresholds,
  margin = 0,
  current?: ZoneState,
): ZoneState {
  if (m.expectedFacings > 0 && m.detectedFacings <= t.emptyFacingsAtMost) return 'empty';
  // Threshold between `below` and the state above it, moved in favour of the current state.
  const edge = (threshold: number, above: ZoneState) => {
    if (current === undefined) return threshold;
    return RANK[current] >= RANK[above] ? threshold - margin : threshold + margin;
  };
  if (m.fillRatio < edge(t.emptyFillBelow, 'low')) return 'empty';
  if (m.fillRatio < edge(t.lowFillBelow, 'ok')) return 'low';
  if (t.lowFacingsBelow !== null && m.expectedFacings > 0 && m.detectedFacings < t.lowFacingsBelow * m.expectedFacings) return 'low';
  return 'ok';
}

/**
 * Whether the measurement leaves no doubt that the zone went from `from` to `to`: fill ratio and gap
 * fill ratio both at least `clearMargin` past every fill threshold between the two states, and
 * within `clearMargin` of each other. A change seen in the facings alone is never clear.
 */
export function clearlyChanged(
  m: Pick<ZoneMeasurement, 'fillRatio' | 'gapFillRatio'>,
  from: ZoneState,
  to: ZoneState,
  t: StateThresholds,
  clearMargin: number,
): boolean {
  if (from === to || Math.abs(m.fillRatio - m.gapFillRatio) > clearMargin) return false;
  const up = RANK[to] > RANK[from];
  const lo = Math.min(RANK[from], RANK[to]);
  const hi = Math.max(RANK[from], RANK[to]);
  const crossed = [...(lo === RANK.empty ? [t.emptyFillBelow] : []), ...(hi === RANK.ok ? [t.lowFillBelow] : [])];
  return crossed.every((threshold) =>
    up
      ? Math.min(m.fillRatio, m.gapFillRatio) >= threshold + clearMargin
      : Math.max(m.fillRatio, m.gapFillRatio) < threshold - clearMargin,
  );
}

export interface HysteresisState {
  /** Reported state; undefined before the first analysis. */
  readonly state: ZoneState | undefined;
  /** A different state seen lately, and on how many consecutive analyses. */
  readonly candidate: ZoneState | undefined;
  readonly streak: number;
}

export const INITIAL_HYSTERESIS: HysteresisState = { state: undefined, candidate: undefined, streak: 0 };

/**
 * One analysis worth of hysteresis. The first state is taken as is: there is nothing to flap from;
 * so is a `clear` one (see `clearlyChanged`).
 */
export function stepHysteresis(prev: HysteresisState, raw: ZoneState, confirmFrames: number, clear = false): HysteresisState {
  if (prev.state === undefined || raw === prev.state || clear) return { state: raw, candidate: undefined, streak: 0 };
  const streak = raw === prev.candidate ? prev.streak + 1 : 1;
  if (streak >= confirmFrames) return { state: raw, candidate: undefined, streak: 0 };
  return { state: prev.state, candidate: raw, streak };
}

/** Per-zone hysteresis for one camera. Pure state, no I/O: feed it measurements, get observations. */
export class ZoneStateTracker {
  readonly #thresholds: StateThresholds;
  readonly #hysteresis: HysteresisOptions;
  readonly #zones = new Map<string, HysteresisState>();

  constructor(thresholds: StateThresholds = DEFAULT_THRESHOLDS, hysteresis: HysteresisOptions = DEFAULT_HYSTERESIS) {
    this.#thresholds = thresholds;
    this.#hysteresis = hysteresis;
  }

  /**
   * Some zone is waiting for its new state to be confirmed. The pipeline then analyses the next
   * frames even if they look unchanged, or a confirmation would wait for the next forced analysis.
   */
  get unsettled(): boolean {
    for (const z of this.#zones.values()) if (z.candidate !== undefined) return true;
    return false;
  }

  update(measurements: readonly ZoneMeasurement[]): ZoneObservation[] {
    return measurements.map((m) => {
      const prev = this.#zones.get(m.zoneId) ?? INITIAL_HYSTERESIS;
      const raw = classifyZone(m, this.#thresholds, this.#hysteresis.margin, prev.state);
      const { clearMargin } = this.#hysteresis;
      const clear = prev.state !== undefined && clearMargin !== null && clearlyChanged(m, prev.state, raw, this.#thresholds, clearMargin);
      const next = stepHysteresis(prev, raw, this.#hysteresis.confirmFrames, clear);
      this.#zones.set(m.zoneId, next);
      return {
        zoneId: m.zoneId,
        sku: m.sku,
        expectedFacings: m.expectedFacings,
        detectedFacings: m.detectedFacings,
        productCount: m.productCount,
        gapCount: m.gapCount,
        fillRatio: Math.round(Math.min(1, Math.max(0, m.fillRatio)) * 1000) / 1000,
        // Set by stepHysteresis on the first call, so never undefined here.
        state: next.state ?? raw,
      };
    });
  }
}

/**
 * Whether `next` is worth publishing against the last published zones: a zone appeared or went,
 * or a zone's state or facings changed, or its fill moved by more than `fillDelta`.
 */
export function zonesChanged(prev: readonly ZoneObservation[] | undefined, next: readonly ZoneObservation[], fillDelta: number): boolean {
  if (prev === undefined || prev.length !== next.length) return true;
  const byId = new Map(prev.map((z) => [z.zoneId, z]));
  return next.some((z) => {
    const p = byId.get(z.zoneId);
    return (
      p === undefined ||
      p.state !== z.state ||
      p.detectedFacings !== z.detectedFacings ||
      Math.abs(p.fillRatio - z.fillRatio) > fillDelta
    );
  });
}
