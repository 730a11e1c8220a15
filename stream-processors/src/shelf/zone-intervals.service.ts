// Pure interval maths for zone rollups. Between two consecutive observations of a zone, the zone is
// taken to be in the earlier observation's state; each such interval adds its seconds to the
// 1-minute buckets it spans (observed, empty, low). Inserting an observation between two others
// splits their interval, so the deltas are: − old interval + two new ones. That makes the rollups
// exact whatever order observations arrive in (edge outage replays included).
import type { ZoneState } from '@shelfsense/contracts';

/** Longer gaps mean the camera was not watching: they count as unobserved time. */
export const MAX_INTERVAL_MS = 10 * 60_000;

export interface ZoneObs {
  readonly t: number;
  readonly state: ZoneState;
}

export interface SecondsDelta {
  /** Start of the 1-minute bucket (ms). */
  readonly bucket: number;
  observedMs: number;
  emptyMs: number;
  lowMs: number;
}

/** Adds (sign 1) or removes (sign −1) the interval [from.t, toT) in `from.state` into `acc`. */
export function addInterval(acc: Map<number, SecondsDelta>, from: ZoneObs, toT: number, sign: 1 | -1): void {
  if (toT <= from.t || toT - from.t > MAX_INTERVAL_MS) return;
  for (let start = Math.floor(from.t / 60_000) * 60_000; start < toT; start += 60_000) {
    const overlap = Math.min(toT, start + 60_000) - Math.max(from.t, start);
    if (overlap <= 0) continue;
    let d = acc.get(start);
    if (d === undefined) {
      d = { bucket: start, observedMs: 0, emptyMs: 0, lowMs: 0 };
      acc.set(start, d);
    }
    d.observedMs += sign * overlap;
    if (from.state === 'empty') d.emptyMs += sign * overlap;
    if (from.state === 'low') d.lowMs += sign * overlap;
  }
}

/**
 * Deltas of inserting `fresh` observations into a zone whose stored observations around them are
 * `existing` (must include the one just before the earliest fresh and the one just after the
 * latest fresh, when they exist). Fresh observations at an already stored time are ignored.
 */
export function insertionDeltas(existing: readonly ZoneObs[], fresh: readonly ZoneObs[]): SecondsDelta[] {
  const timeline = [...existing].sort((a, b) => a.t - b.t);
  const acc = new Map<number, SecondsDelta>();
  for (const obs of [...fresh].sort((a, b) => a.t - b.t)) {
    let i = 0;
    while (i < timeline.length && timeline[i]!.t < obs.t) i++;
    if (timeline[i]?.t === obs.t) continue;
    const prev = timeline[i - 1];
    const next = timeline[i];
    if (prev !== undefined && next !== undefined) addInterval(acc, prev, next.t, -1);
    if (prev !== undefined) addInterval(acc, prev, obs.t, 1);
    if (next !== undefined) addInterval(acc, obs, next.t, 1);
    timeline.splice(i, 0, obs);
  }
  return [...acc.values()].filter((d) => d.observedMs !== 0 || d.emptyMs !== 0 || d.lowMs !== 0);
}
