import type { AlertRule } from '@shelfsense/contracts';
import { decideTransition, type OpenAlertView } from '../alert-lifecycle.service.ts';
import type { Observation } from '../rule-kind.ts';
import { badness } from './peak.ts';

/** One alert episode of a backtest: opened (pending or firing) and maybe fired and resolved. */
export interface Episode {
  readonly subject: string;
  readonly labels: Readonly<Record<string, string>>;
  summary: string;
  readonly startedAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  peakValue: number | null;
  peakBadness: number;
}

/** A subject's value and condition at every evaluation (null / false where it was not observed). */
export interface SubjectSamples {
  readonly values: (number | null)[];
  readonly active: boolean[];
}

export interface LifecycleRun {
  /** Every episode, in the order they opened. */
  readonly episodes: readonly Episode[];
  readonly samples: ReadonlyMap<string, SubjectSamples>;
}

/**
 * The live lifecycle replayed in memory: at every instant the same `decideTransition` the evaluator
 * uses (pending → firing after `for`, `since` backdating, resolve when cleared or gone, hysteresis
 * through `open`), applied to an in-memory open alert instead of a database row. People's actions
 * (acknowledge, resolve by hand and its `notBefore`) are not part of a backtest.
 */
export function runLifecycle(
  rule: Pick<AlertRule, 'forMinutes' | 'labels' | 'spec'>,
  instants: readonly number[],
  observe: (now: Date, open: ReadonlySet<string>) => Observation[],
): LifecycleRun {
  const open = new Map<string, { view: OpenAlertView; episode: Episode }>();
  const episodes: Episode[] = [];
  const samples = new Map<string, SubjectSamples>();
  instants.forEach((t, step) => {
    const now = new Date(t);
    const observed = new Map(observe(now, new Set(open.keys())).map((o) => [o.subject, o]));
    for (const subject of new Set([...observed.keys(), ...open.keys()])) {
      const current = open.get(subject) ?? null;
      const obs = observed.get(subject) ?? null;
      const d = decideTransition(current?.view ?? null, obs, { forMinutes: rule.forMinutes, now });
      if (d.type === 'open' && obs !== null) {
        const episode: Episode = {
          subject,
          labels: { ...rule.labels, ...obs.labels },
          summary: obs.summary,
          startedAt: d.startedAt.getTime(),
          firedAt: d.state === 'firing' ? t : null,
          resolvedAt: null,
          peakValue: null,
          peakBadness: Number.NEGATIVE_INFINITY,
        };
        episodes.push(episode);
        const view = { state: d.state, seq: 1, startedAt: d.startedAt, value: obs.value, summary: obs.summary, annotations: obs.annotations };
        open.set(subject, { view, episode });
      } else if (d.type === 'transition' && current !== null) {
        if (d.to === 'resolved') {
          current.episode.resolvedAt = t;
          open.delete(subject);
        } else {
          if (d.to === 'firing') current.episode.firedAt = t;
          current.view = { ...current.view, state: d.to, seq: current.view.seq + 1 };
        }
      }
      // Details follow the observation while open (the evaluator's refresh and transition details).
      const still = open.get(subject);
      if (still !== undefined && obs !== null) {
        still.view = { ...still.view, value: obs.value, summary: obs.summary, annotations: obs.annotations };
        still.episode.summary = obs.summary;
        const b = badness(rule.spec, obs);
        if (b !== null && b > still.episode.peakBadness) {
          still.episode.peakBadness = b;
          still.episode.peakValue = obs.value;
        }
      }
    }
    for (const o of observed.values()) {
      let s = samples.get(o.subject);
      if (s === undefined) {
        s = { values: new Array<number | null>(instants.length).fill(null), active: new Array<boolean>(instants.length).fill(false) };
        samples.set(o.subject, s);
      }
      s.values[step] = o.value;
      s.active[step] = o.active;
    }
  });
  return { episodes, samples };
}
