import type { ZoneObservation, ZoneState, ZoneStateDto } from '@shelfsense/contracts';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, ZoneStateTable } from '../database.ts';
import { columnList, unnestRows, type UnnestColumn } from '../lib/unnest.ts';

/** One zone of one analysed frame, as stored. */
export interface ZoneObservationRecord {
  readonly eventId: string;
  readonly storeId: string;
  readonly cameraId: string;
  readonly frameAt: Date;
  readonly keepAlive: boolean;
  readonly modelId: string;
  readonly zone: ZoneObservation;
}

export interface ZoneKey {
  readonly storeId: string;
  readonly cameraId: string;
  readonly zoneId: string;
}

export const zoneKey = (k: ZoneKey): string => `${k.storeId}\u0000${k.cameraId}\u0000${k.zoneId}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Inserts raw zone observations; returns those actually inserted (replays are dropped). */
export async function insertZoneObservations(trx: Kysely<Database>, records: readonly ZoneObservationRecord[]): Promise<ZoneObservationRecord[]> {
  if (records.length === 0) return [];
  const k = (r: ZoneObservationRecord) => `${zoneKey({ storeId: r.storeId, cameraId: r.cameraId, zoneId: r.zone.zoneId })}\u0000${r.frameAt.getTime()}`;
  const unique = [...new Map(records.map((r) => [k(r), r] as const)).entries()].sort(([a], [b]) => cmp(a, b)).map(([, r]) => r);
  const col = <T>(name: string, type: UnnestColumn['type'], f: (r: ZoneObservationRecord) => T): UnnestColumn => ({ name, type, values: unique.map(f) });
  const columns: UnnestColumn[] = [
    col('store_id', 'text', (r) => r.storeId),
    col('camera_id', 'text', (r) => r.cameraId),
    col('zone_id', 'text', (r) => r.zone.zoneId),
    col('frame_at', 'timestamptz', (r) => r.frameAt),
    col('sku', 'text', (r) => r.zone.sku),
    col('expected_facings', 'int', (r) => r.zone.expectedFacings),
    col('detected_facings', 'int', (r) => r.zone.detectedFacings),
    col('product_count', 'int', (r) => r.zone.productCount),
    col('gap_count', 'int', (r) => r.zone.gapCount),
    col('fill_ratio', 'numeric', (r) => r.zone.fillRatio),
    col('state', 'text', (r) => r.zone.state),
    col('keep_alive', 'boolean', (r) => r.keepAlive),
    col('model_id', 'text', (r) => r.modelId),
    col('event_id', 'text', (r) => r.eventId),
  ];
  const { rows } = await sql<{ store_id: string; camera_id: string; zone_id: string; frame_at: Date }>`
    INSERT INTO shelf_observations ${columnList(columns)} ${unnestRows(columns)}
    ON CONFLICT DO NOTHING RETURNING store_id, camera_id, zone_id, frame_at`.execute(trx);
  const inserted = new Set(rows.map((r) => `${zoneKey({ storeId: r.store_id, cameraId: r.camera_id, zoneId: r.zone_id })}\u0000${r.frame_at.getTime()}`));
  return unique.filter((r) => inserted.has(k(r)));
}

/**
 * Locks each zone's state row (creating a placeholder at -infinity) in sorted key order, so
 * concurrent batches touching one zone apply one after the other and cannot deadlock.
 */
export async function lockZones(trx: Kysely<Database>, zones: readonly (ZoneKey & { sku: string; expectedFacings: number })[]): Promise<void> {
  const sorted = [...new Map(zones.map((z) => [zoneKey(z), z] as const)).entries()].sort(([a], [b]) => cmp(a, b)).map(([, z]) => z);
  if (sorted.length === 0) return;
  const s = sorted.map((z) => z.storeId);
  const c = sorted.map((z) => z.cameraId);
  const z = sorted.map((x) => x.zoneId);
  await sql`
    INSERT INTO zone_state (store_id, camera_id, zone_id, sku, state, fill_ratio, detected_facings, expected_facings, frame_at, state_since)
    SELECT s, c, z, sku, 'ok', 0, 0, ef, '-infinity', '-infinity'
    FROM unnest(${s}::text[], ${c}::text[], ${z}::text[], ${sorted.map((x) => x.sku)}::text[], ${sorted.map((x) => x.expectedFacings)}::int[]) AS t(s, c, z, sku, ef)
    ON CONFLICT DO NOTHING`.execute(trx);
  await sql`
    SELECT 1 FROM zone_state zs JOIN unnest(${s}::text[], ${c}::text[], ${z}::text[]) AS t(s, c, z)
      ON zs.store_id = t.s AND zs.camera_id = t.c AND zs.zone_id = t.z
    ORDER BY zs.store_id COLLATE "C", zs.camera_id COLLATE "C", zs.zone_id COLLATE "C"
    FOR UPDATE OF zs`.execute(trx);
}

/**
 * Stored observations of each zone in [from, to] plus the nearest one before `from` and after
 * `to`: everything an insertion in that range needs to know about its neighbours.
 */
export async function zoneTimelines(
  trx: Kysely<Database>,
  ranges: readonly (ZoneKey & { from: Date; to: Date })[],
): Promise<Map<string, { t: number; state: ZoneState }[]>> {
  const out = new Map<string, { t: number; state: ZoneState }[]>();
  if (ranges.length === 0) return out;
  const { rows } = await sql<{ store_id: string; camera_id: string; zone_id: string; frame_at: Date; state: ZoneState }>`
    WITH r AS (
      SELECT * FROM unnest(${ranges.map((x) => x.storeId)}::text[], ${ranges.map((x) => x.cameraId)}::text[], ${ranges.map((x) => x.zoneId)}::text[],
                           ${ranges.map((x) => x.from)}::timestamptz[], ${ranges.map((x) => x.to)}::timestamptz[]) AS t(s, c, z, f, e)
    )
    SELECT o.store_id, o.camera_id, o.zone_id, o.frame_at, o.state FROM r
    CROSS JOIN LATERAL (
      (SELECT * FROM shelf_observations WHERE store_id = r.s AND camera_id = r.c AND zone_id = r.z AND frame_at < r.f ORDER BY frame_at DESC LIMIT 1)
      UNION ALL
      (SELECT * FROM shelf_observations WHERE store_id = r.s AND camera_id = r.c AND zone_id = r.z AND frame_at BETWEEN r.f AND r.e)
      UNION ALL
      (SELECT * FROM shelf_observations WHERE store_id = r.s AND camera_id = r.c AND zone_id = r.z AND frame_at > r.e ORDER BY frame_at LIMIT 1)
    ) o`.execute(trx);
  for (const r of rows) {
    const k = zoneKey({ storeId: r.store_id, cameraId: r.camera_id, zoneId: r.zone_id });
    const list = out.get(k) ?? [];
    list.push({ t: r.frame_at.getTime(), state: r.state });
    out.set(k, list);
  }
  return out;
}

export interface ZoneMinuteDelta extends ZoneKey {
  readonly bucket: Date;
  readonly samples: number;
  readonly fillSum: number;
  /** Lowest fill seen among the new samples, or null. */
  readonly fillMin: number | null;
  readonly observedMs: number;
  readonly emptyMs: number;
  readonly lowMs: number;
}

/** Adds deltas to zone_1m (`+=`; fill_min keeps the least). Sorted by key. */
export async function applyZoneDeltas(trx: Kysely<Database>, deltas: readonly ZoneMinuteDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const sorted = [...deltas].sort((a, b) => cmp(`${zoneKey(a)}\u0000${a.bucket.toISOString()}`, `${zoneKey(b)}\u0000${b.bucket.toISOString()}`));
  const col = <T>(name: string, type: UnnestColumn['type'], f: (d: ZoneMinuteDelta) => T): UnnestColumn => ({ name, type, values: sorted.map(f) });
  const columns: UnnestColumn[] = [
    col('store_id', 'text', (d) => d.storeId),
    col('camera_id', 'text', (d) => d.cameraId),
    col('zone_id', 'text', (d) => d.zoneId),
    col('bucket', 'timestamptz', (d) => d.bucket),
    col('samples', 'bigint', (d) => d.samples),
    col('fill_sum', 'numeric', (d) => d.fillSum),
    col('fill_min', 'numeric', (d) => d.fillMin),
    col('observed_ms', 'bigint', (d) => d.observedMs),
    col('empty_ms', 'bigint', (d) => d.emptyMs),
    col('low_ms', 'bigint', (d) => d.lowMs),
  ];
  await sql`
    INSERT INTO zone_1m ${columnList(columns)} ${unnestRows(columns)}
    ON CONFLICT (store_id, camera_id, zone_id, bucket) DO UPDATE SET
      samples = zone_1m.samples + excluded.samples,
      fill_sum = zone_1m.fill_sum + excluded.fill_sum,
      fill_min = least(zone_1m.fill_min, excluded.fill_min),
      observed_ms = zone_1m.observed_ms + excluded.observed_ms,
      empty_ms = zone_1m.empty_ms + excluded.empty_ms,
      low_ms = zone_1m.low_ms + excluded.low_ms`.execute(trx);
}

/** A zone's latest state as the API and live updates show it (the contract's one zone shape) and its store. */
export type ZoneStateView = ZoneKey & Readonly<ZoneStateDto>;

/**
 * Moves each zone to its newest observation when it is newer than the stored one (monotonic by
 * frame time, so replays of old frames never roll the state back). Returns the zones that changed.
 */
export async function advanceZoneStates(trx: Kysely<Database>, latest: readonly ZoneObservationRecord[]): Promise<ZoneStateView[]> {
  if (latest.length === 0) return [];
  const sorted = [...latest].sort((a, b) => cmp(zoneKey({ ...a, zoneId: a.zone.zoneId }), zoneKey({ ...b, zoneId: b.zone.zoneId })));
  const { rows } = await sql<{
    store_id: string;
    camera_id: string;
    zone_id: string;
    sku: string;
    state: ZoneState;
    fill_ratio: number;
    detected_facings: number;
    expected_facings: number;
    frame_at: Date;
    state_since: Date;
  }>`
    UPDATE zone_state zs SET
      sku = v.sku, fill_ratio = v.fill, detected_facings = v.df, expected_facings = v.ef, frame_at = v.f,
      state_since = CASE WHEN zs.state = v.state AND zs.frame_at <> '-infinity' THEN zs.state_since ELSE v.f END,
      state = v.state
    FROM unnest(${sorted.map((r) => r.storeId)}::text[], ${sorted.map((r) => r.cameraId)}::text[], ${sorted.map((r) => r.zone.zoneId)}::text[],
                ${sorted.map((r) => r.zone.sku)}::text[], ${sorted.map((r) => r.zone.state)}::text[], ${sorted.map((r) => r.zone.fillRatio)}::real[],
                ${sorted.map((r) => r.zone.detectedFacings)}::int[], ${sorted.map((r) => r.zone.expectedFacings)}::int[], ${sorted.map((r) => r.frameAt)}::timestamptz[])
      AS v(s, c, z, sku, state, fill, df, ef, f)
    WHERE zs.store_id = v.s AND zs.camera_id = v.c AND zs.zone_id = v.z AND v.f > zs.frame_at
    RETURNING zs.*`.execute(trx);
  return rows.map(toZoneStateView);
}

const toZoneStateView = (r: Selectable<ZoneStateTable>): ZoneStateView => ({
  storeId: r.store_id,
  cameraId: r.camera_id,
  zoneId: r.zone_id,
  sku: r.sku,
  state: r.state,
  fillRatio: Number(r.fill_ratio),
  detectedFacings: r.detected_facings,
  expectedFacings: r.expected_facings,
  frameAt: r.frame_at.toISOString(),
  stateSince: r.state_since.toISOString(),
});

/** Current zone states of a store. */
export async function listZoneStates(db: Kysely<Database>, storeId: string): Promise<ZoneStateView[]> {
  const rows = await db.selectFrom('zone_state').selectAll().where('store_id', '=', storeId).where('frame_at', '>', sql<Date>`'-infinity'`).orderBy('camera_id').orderBy('zone_id').execute();
  return rows.map(toZoneStateView);
}

/** On-shelf availability per store-local day: 1 − empty time ÷ observed time, over all zones. */
export async function getShelfAvailability(
  db: Kysely<Database>,
  q: { storeId: string; timezone: string; from: Date; to: Date },
): Promise<{ date: string; observedMs: number; emptyMs: number; lowMs: number; availability: number | null }[]> {
  const { rows } = await sql<{ date: string; observed: number; empty: number; low: number }>`
    SELECT to_char(bucket AT TIME ZONE ${q.timezone}, 'YYYY-MM-DD') AS date,
           sum(observed_ms)::bigint AS observed, sum(empty_ms)::bigint AS empty, sum(low_ms)::bigint AS low
    FROM zone_1m WHERE store_id = ${q.storeId} AND bucket >= ${q.from} AND bucket < ${q.to}
    GROUP BY 1 ORDER BY 1`.execute(db);
  return rows.map((r) => ({
    date: r.date,
    observedMs: Number(r.observed),
    emptyMs: Number(r.empty),
    lowMs: Number(r.low),
    availability: Number(r.observed) > 0 ? Math.round((1 - Number(r.empty) / Number(r.observed)) * 10_000) / 10_000 : null,
  }));
}

/** Stores heartbeats (raw, idempotent). */
export async function insertHeartbeats(
  trx: Kysely<Database>,
  beats: readonly { storeId: string; subjectId: string; at: Date; data: Record<string, unknown> }[],
): Promise<number> {
  if (beats.length === 0) return 0;
  const columns: UnnestColumn[] = [
    { name: 'store_id', type: 'text', values: beats.map((b) => b.storeId) },
    { name: 'subject_id', type: 'text', values: beats.map((b) => b.subjectId) },
    { name: 'at', type: 'timestamptz', values: beats.map((b) => b.at) },
    { name: 'data', type: 'jsonb', values: beats.map((b) => JSON.stringify(b.data)) },
  ];
  const res = await sql`INSERT INTO heartbeats ${columnList(columns)} ${unnestRows(columns)} ON CONFLICT DO NOTHING`.execute(trx);
  return Number(res.numAffectedRows ?? 0);
}

/** 1-minute zone history in [from, to), grouped per zone. */
export async function getZoneHistory(
  db: Kysely<Database>,
  q: { storeId: string; from: Date; to: Date; cameraId?: string | undefined; zoneId?: string | undefined },
): Promise<{ cameraId: string; zoneId: string; buckets: { t: string; avgFill: number | null; minFill: number | null; observedMs: number; emptyMs: number; lowMs: number }[] }[]> {
  let query = db
    .selectFrom('zone_1m')
    .select(['camera_id', 'zone_id', 'bucket', 'samples', 'fill_sum', 'fill_min', 'observed_ms', 'empty_ms', 'low_ms'])
    .where('store_id', '=', q.storeId)
    .where('bucket', '>=', q.from)
    .where('bucket', '<', q.to);
  if (q.cameraId !== undefined) query = query.where('camera_id', '=', q.cameraId);
  if (q.zoneId !== undefined) query = query.where('zone_id', '=', q.zoneId);
  const rows = await query.orderBy('camera_id').orderBy('zone_id').orderBy('bucket').execute();
  const zones = new Map<string, { cameraId: string; zoneId: string; buckets: { t: string; avgFill: number | null; minFill: number | null; observedMs: number; emptyMs: number; lowMs: number }[] }>();
  for (const r of rows) {
    const k = `${r.camera_id}\u0000${r.zone_id}`;
    const z = zones.get(k) ?? { cameraId: r.camera_id, zoneId: r.zone_id, buckets: [] };
    const samples = Number(r.samples);
    z.buckets.push({
      t: r.bucket.toISOString(),
      avgFill: samples > 0 ? Math.round((Number(r.fill_sum) / samples) * 10_000) / 10_000 : null,
      minFill: r.fill_min === null ? null : Math.round(Number(r.fill_min) * 10_000) / 10_000,
      observedMs: Number(r.observed_ms),
      emptyMs: Number(r.empty_ms),
      lowMs: Number(r.low_ms),
    });
    zones.set(k, z);
  }
  return [...zones.values()];
}
