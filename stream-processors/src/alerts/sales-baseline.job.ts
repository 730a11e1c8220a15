import { claimBaselineRecompute, listAlertRules, listStoreHours, recomputeSalesBaselines, type Db } from '@shelfsense/db';
import type { Logger } from 'pino';

/**
 * The hourly baseline recompute for `sales_anomaly` rules: the first replica to claim the hour
 * (`job_leases`, occurrence = the UTC hour of `now`) recomputes every store that has an enabled
 * anomaly rule, over the most weeks any of its rules asks for. Returns whether this caller ran it.
 */
export async function runSalesBaselineJob(
  deps: { db: Db; log: Logger; holder: string },
  now: Date,
): Promise<{ ran: boolean; stores: number }> {
  if (!(await claimBaselineRecompute(deps.db, now.toISOString().slice(0, 13), deps.holder))) return { ran: false, stores: 0 };
  const { rules } = await listAlertRules(deps.db, { enabledOnly: true });
  const weeks = new Map<string, number>();
  for (const r of rules)
    if (r.spec.kind === 'sales_anomaly') weeks.set(r.storeId, Math.max(weeks.get(r.storeId) ?? 0, r.spec.params.weeks));
  if (weeks.size === 0) return { ran: true, stores: 0 };
  const hours = await listStoreHours(deps.db, [...weeks.keys()]);
  const started = performance.now();
  await recomputeSalesBaselines(deps.db, {
    stores: hours.map((h) => ({ storeId: h.storeId, timezone: h.timezone, weeks: weeks.get(h.storeId) ?? 4 })),
    now,
  });
  deps.log.info({ stores: hours.length, ms: Math.round(performance.now() - started) }, 'recomputed sales baselines');
  return { ran: true, stores: hours.length };
}
