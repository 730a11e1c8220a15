// History loaders against the live loaders on a real PostgreSQL: at an instant of the grid, the
// inputs a backtest rebuilds from history equal what the kind's live `load` reads at that instant.
import { AlertRuleInput, type AlertRule } from '@shelfsense/contracts';
import { recomputeSalesBaselines, upsertStore, type Db } from '@shelfsense/db';
import { createTestDatabase } from '@shelfsense/test';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { salesAnomalyHistory } from '../src/alerts/kinds/sales-anomaly.history.ts';
import { salesAnomaly } from '../src/alerts/kinds/sales-anomaly.kind.ts';
import type { RuleOf } from '../src/alerts/rule-kind.ts';

const STORE = 'hist-1';
const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
const NOW = Date.UTC(2026, 10, 2, 6, 10); // Monday 11:40 in Kolkata

describe('backtest history loaders', () => {
  let db: Db;

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: STORE, name: 'History', timezone: 'Asia/Kolkata' });
    // Six weeks of minutes with sales every 7 minutes, amounts varying by week and hour.
    const rows = [];
    for (let t = NOW - 6 * WEEK; t < NOW; t += 7 * 60_000) {
      const bucket = Math.floor(t / 60_000) * 60_000;
      rows.push({ store_id: STORE, bucket: new Date(bucket), orders: 1, net: 100 + ((bucket / 60_000) % 97) });
    }
    for (let i = 0; i < rows.length; i += 1000) await db.insertInto('sales_1m').values(rows.slice(i, i + 1000)).execute();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('sales_anomaly: the judged hour and its baseline equal the live load after the hourly recompute', async () => {
    const input = AlertRuleInput.parse({ name: 'anomaly', kind: 'sales_anomaly', params: { weeks: 4, direction: 'both' } });
    const rule = { id: 'r', storeId: STORE, ...input, spec: { kind: input.kind, params: input.params } } as unknown as RuleOf<'sales_anomaly'> & AlertRule;
    const grid = { from: new Date(NOW - 5 * HOUR), to: new Date(NOW), stepMs: HOUR };
    const at = await salesAnomalyHistory.load(db, rule, grid);
    for (const now of [NOW - 5 * HOUR, NOW - 2 * HOUR, NOW]) {
      await recomputeSalesBaselines(db, { stores: [{ storeId: STORE, timezone: 'Asia/Kolkata', weeks: 4 }], now: new Date(now) });
      const live = await salesAnomaly.load(db, [rule], new Date(now));
      const replayed = at(new Date(now));
      expect(replayed.get(STORE)?.baseline?.madNet).toBeGreaterThan(0);
      expect(replayed).toEqual(live);
    }
  });
});
