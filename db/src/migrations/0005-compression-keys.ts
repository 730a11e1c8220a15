// Compression settings that contain every unique-key column of each compressed hypertable.
//
// 0002 and 0003 segmented by store (store and camera for shelf observations) and ordered by time
// only, so TimescaleDB warned that order_id, revision, line_no, zone_id, subject_id, dimension, key,
// sku and category "should be used for segmenting or ordering": a conflict check on a compressed
// chunk (ON CONFLICT DO NOTHING on raw rows, DO UPDATE `+=` on rollups) narrows the batches it must
// decompress by segmentby equality and orderby min/max only. Here low-cardinality key columns that
// reads filter on join segmentby, and the rest of the key follows the time column in orderby.
//
// Time stays the leading orderby column on purpose. Every key contains it, so a conflict check lands
// on the one batch whose time range holds the row; an order's rollup rows of one minute stay in one
// batch; time-range reads keep pruning batches. Measured on TimescaleDB 2.23.1
// (stream-processors/test/compressed-replay.test.ts): with the old settings conflict checks already
// landed on one batch for the same reason, and a DO UPDATE on a compressed row moves its whole batch
// (up to 1000 rows) to the rowstore under either settings, so replay cost is about the same; these
// settings make TimescaleDB's advice hold without giving that up, and segment by zone, subject and
// dimension, which per-zone timelines and per-dimension series read.
//
// Existing installations: every compressed chunk of a hypertable whose settings change is
// decompressed, the settings are changed, and the chunks are compressed again. TimescaleDB 2.23
// accepts the ALTER with compressed chunks present, but those chunks keep the settings they were
// compressed with until recompressed (the compression policy only handles uncompressed and
// partially compressed chunks), and some older releases refuse the ALTER while compressed chunks
// exist; decompressing first works on both. The work is proportional to the compressed data and
// runs inside the migration's transaction. A no-op on plain PostgreSQL.
import { sql, type Kysely } from 'kysely';
import { timescaleEnabled } from '../lib/timescale.ts';

export interface CompressionSetting {
  readonly table: string;
  /** Columns each segment is keyed by (equality filters: store, camera, zone, subject, dimension). */
  readonly segmentBy: readonly string[];
  /** Sort order inside a segment; each column gets min/max metadata per compressed batch. */
  readonly orderBy: readonly string[];
}

/** The compression settings of every compressed hypertable (one table of truth, checked by db/test). */
export const COMPRESSION_SETTINGS = [
  // order_id is per store and unbounded, so it is ordered, not segmented. Time first: reads are by
  // store and time range, and an order's revisions normally share its created_at.
  { table: 'orders', segmentBy: ['store_id'], orderBy: ['created_at DESC', 'order_id', 'revision'] },
  { table: 'order_lines', segmentBy: ['store_id'], orderBy: ['created_at DESC', 'order_id', 'revision', 'line_no'] },
  // Zone timelines are read per (store, camera, zone); a zone reports at least once a minute
  // (keep-alive), so a zone's segment in a 1-day chunk holds well over a batch of rows.
  { table: 'shelf_observations', segmentBy: ['store_id', 'camera_id', 'zone_id'], orderBy: ['frame_at DESC'] },
  // A few subjects (agent, cameras) per store, each beating every 15 s.
  { table: 'heartbeats', segmentBy: ['store_id', 'subject_id'], orderBy: ['at DESC'] },
  // Key (store_id, bucket) was already covered.
  { table: 'sales_1m', segmentBy: ['store_id'], orderBy: ['bucket DESC'] },
  // Three dimensions; dimension series read one of them.
  { table: 'sales_dim_1m', segmentBy: ['store_id', 'dimension'], orderBy: ['bucket DESC', 'key'] },
  // sku/category are as many as the catalogue: ordered, not segmented.
  { table: 'item_sales_1m', segmentBy: ['store_id'], orderBy: ['bucket DESC', 'sku', 'category'] },
] as const satisfies readonly CompressionSetting[];

/** What 0002 and 0003 set; `down` restores it. */
export const PREVIOUS_COMPRESSION_SETTINGS = [
  { table: 'orders', segmentBy: ['store_id'], orderBy: ['created_at DESC'] },
  { table: 'order_lines', segmentBy: ['store_id'], orderBy: ['created_at DESC'] },
  { table: 'shelf_observations', segmentBy: ['store_id', 'camera_id'], orderBy: ['frame_at DESC'] },
  { table: 'heartbeats', segmentBy: ['store_id'], orderBy: ['at DESC'] },
  { table: 'sales_1m', segmentBy: ['store_id'], orderBy: ['bucket DESC'] },
  { table: 'sales_dim_1m', segmentBy: ['store_id'], orderBy: ['bucket DESC'] },
  { table: 'item_sales_1m', segmentBy: ['store_id'], orderBy: ['bucket DESC'] },
] as const satisfies readonly CompressionSetting[];

/** `a, b` → `a,b`: the form timescaledb_information prints settings in. */
const normalized = (list: string | null | undefined): string =>
  (list ?? '')
    .split(',')
    .map((c) => c.trim().replace(/\s+/g, ' '))
    .join(',');

/** Per hypertable: decompress its compressed chunks, change the settings, compress those chunks again. */
export async function applyCompressionSettings(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  settings: readonly CompressionSetting[],
): Promise<{ table: string; chunks: number }[]> {
  const changed: { table: string; chunks: number }[] = [];
  for (const s of settings) {
    const segmentBy = s.segmentBy.join(', ');
    const orderBy = s.orderBy.join(', ');
    const { rows: current } = await sql<{ segmentby: string | null; orderby: string | null }>`
      SELECT segmentby, orderby FROM timescaledb_information.hypertable_compression_settings
      WHERE hypertable = ${s.table}::regclass`.execute(db);
    if (
      current.length === 1 &&
      normalized(current[0]?.segmentby) === normalized(segmentBy) &&
      normalized(current[0]?.orderby) === normalized(orderBy)
    )
      continue;
    const { rows: chunks } = await sql<{ chunk: string }>`
      SELECT format('%I.%I', chunk_schema, chunk_name) AS chunk FROM timescaledb_information.chunks
      WHERE format('%I.%I', hypertable_schema, hypertable_name)::regclass = ${s.table}::regclass AND is_compressed
      ORDER BY range_start`.execute(db);
    for (const { chunk } of chunks) await sql`SELECT decompress_chunk(${chunk}::regclass)`.execute(db);
    await sql
      .raw(
        `ALTER TABLE ${s.table} SET (timescaledb.compress_segmentby = '${segmentBy}', timescaledb.compress_orderby = '${orderBy}')`,
      )
      .execute(db);
    for (const { chunk } of chunks) await sql`SELECT compress_chunk(${chunk}::regclass)`.execute(db);
    changed.push({ table: s.table, chunks: chunks.length });
  }
  return changed;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (await timescaleEnabled(db)) await applyCompressionSettings(db, COMPRESSION_SETTINGS);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (await timescaleEnabled(db)) await applyCompressionSettings(db, PREVIOUS_COMPRESSION_SETTINGS);
}
