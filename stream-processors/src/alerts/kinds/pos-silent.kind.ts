import { listLastOrderTimes, listStoreHours, type StoreHoursInput } from '@shelfsense/db';
import { isOpenAt, openMillisBetween } from '../opening-hours.service.ts';
import type { Observation, RuleKind } from '../rule-kind.ts';

/**
 * How far back the last order is looked for. A store with no order in this long has no POS feed (or
 * never had one): it is not "silent", and an alert it had resolves.
 */
export const LOOKBACK_MS = 35 * 86_400_000;
/** Open time is counted over at most this span: a full week plus a day covers any weekly schedule. */
const OPEN_TIME_SPAN_MS = 8 * 86_400_000;

export interface PosSilentInputs {
  readonly stores: ReadonlyMap<string, StoreHoursInput>;
  readonly lastOrderAt: ReadonlyMap<string, Date>;
}

/**
 * No order for `minutes` of opening time while the store is open. Only open time counts: a store
 * opening at 09:00 after a quiet night fires at 09:30 (minutes 30), not at 09:00; closing resolves.
 */
export const posSilent: RuleKind<'pos_silent', PosSilentInputs> = {
  kind: 'pos_silent',
  describe: ({ params }) => `POS silent for ${params.minutes} min while open`,
  async load(db, rules, now) {
    const storeIds = rules.map((r) => r.storeId);
    const [hours, lastOrderAt] = await Promise.all([
      listStoreHours(db, storeIds),
      listLastOrderTimes(db, storeIds, new Date(now.getTime() - LOOKBACK_MS)),
    ]);
    return { stores: new Map(hours.map((h) => [h.storeId, h])), lastOrderAt };
  },
  evaluate(inputs, rule, { now }) {
    const store = inputs.stores.get(rule.storeId);
    if (store === undefined) return [];
    const { minutes } = rule.spec.params;
    const last = inputs.lastOrderAt.get(rule.storeId);
    const problem: Record<string, string> = store.problem === null ? {} : { configProblem: store.problem };
    if (last === undefined) {
      return [
        { subject: 'store', active: false, value: null, summary: 'No POS orders received yet', labels: {}, annotations: problem },
      ];
    }
    const open = isOpenAt(store.openingHours, store.timezone, now);
    const from = new Date(Math.max(last.getTime(), now.getTime() - OPEN_TIME_SPAN_MS));
    const silentOpenMs = open ? openMillisBetween(store.openingHours, store.timezone, from, now) : 0;
    const observation: Observation = {
      subject: 'store',
      active: open && silentOpenMs >= minutes * 60_000,
      // Whole minutes since the last order, so an open alert is rewritten at most once a minute.
      value: Math.max(0, Math.floor((now.getTime() - last.getTime()) / 60_000)),
      summary: `No POS orders for over ${minutes} min while the store is open`,
      labels: {},
      annotations: { lastOrderAt: last.toISOString(), ...problem },
    };
    return [observation];
  },
};
