// CSV backfill: one row per order line, consecutive rows with the same (order_id, revision) form one
// order. Rows become the generic JSON order (`GenericOrderInput`), which then goes through the same
// connector as `POST /pos/orders`. Columns are documented in edge-agent/README.md.
import { createReadStream } from 'node:fs';
import type { GenericOrderInput } from '@shelfsense/contracts';
import { parse, type CsvError } from 'csv-parse';
import { z } from 'zod';
import { parseWallTime, zonedWallTimeToUtc } from '../lib/zoned-time.ts';
import { channelOf, paymentTypeOf, sourceOf, statusOf } from '../pos/order-labels.service.ts';
import type { SourceRecord } from './json-records.ts';

export const CSV_ORDER_COLUMNS = [
  'order_id',
  'revision',
  'status',
  'channel',
  'source',
  'payment_type',
  'currency',
  'created_at',
  'pos_location_id',
  'customer_phone',
  'order_gross',
  'order_tax',
  'order_discount',
  'order_delivery',
  'order_packaging',
  'order_service',
  'order_round_off',
  'order_net',
] as const;
export const CSV_LINE_COLUMNS = [
  'sku',
  'name',
  'category',
  'quantity',
  'unit_price',
  'line_total',
  'line_tax',
  'line_discount',
] as const;
export const CSV_REQUIRED_COLUMNS = ['order_id', 'channel', 'currency', 'created_at', 'order_gross', 'order_net'] as const;

type CsvRow = Readonly<Record<string, string>>;

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO_WITH_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/** A cell holding a number; "" means `fallback` (or required when there is none). */
const num = (fallback?: number) =>
  z.string().transform((s, ctx) => {
    const t = s.trim();
    if (t === '' && fallback !== undefined) return fallback;
    if (NUMERIC.test(t)) return Number(t);
    ctx.addIssue({ code: 'custom', message: t === '' ? 'required' : `expected a number, got ${JSON.stringify(t.slice(0, 40))}` });
    return z.NEVER;
  });

/** A cell holding a number, or "" for none. */
const optionalNum = () =>
  z.string().transform((s, ctx) => {
    const t = s.trim();
    if (t === '') return undefined;
    if (NUMERIC.test(t)) return Number(t);
    ctx.addIssue({ code: 'custom', message: `expected a number, got ${JSON.stringify(t.slice(0, 40))}` });
    return z.NEVER;
  });

const mapped = <T>(map: (s: string) => T | undefined, what: string) =>
  z.string().transform((s, ctx): T => {
    const v = map(s);
    if (v !== undefined) return v;
    ctx.addIssue({ code: 'custom', message: `unknown ${what} ${JSON.stringify(s.slice(0, 40))}` });
    return z.NEVER;
  });

/** The order-level columns of a group's first row. */
const OrderColumns = (timeZone: string) =>
  z.object({
    order_id: z.string().trim().min(1, 'required'),
    revision: z
      .string()
      .trim()
      .transform((s, ctx) => {
        if (s === '') return 0;
        if (/^\d{1,9}$/.test(s)) return Number(s);
        ctx.addIssue({ code: 'custom', message: `expected a non-negative integer, got ${JSON.stringify(s.slice(0, 40))}` });
        return z.NEVER;
      }),
    status: mapped((s) => (s.trim() === '' ? 'completed' : statusOf(s)), 'status'),
    channel: mapped(channelOf, 'channel'),
    source: z.string().transform((s) => (s.trim() === '' ? 'pos' : (sourceOf(s) ?? s))),
    payment_type: z.string().transform(paymentTypeOf),
    currency: z.string().trim().toUpperCase(),
    created_at: z.string().transform((s, ctx) => {
      const t = s.trim();
      if (ISO_WITH_OFFSET.test(t)) return t; // the contract validates it
      if (parseWallTime(t) !== undefined) return zonedWallTimeToUtc(t, timeZone).toISOString();
      ctx.addIssue({
        code: 'custom',
        message: `expected ISO-8601 with an offset or a local "YYYY-MM-DD HH:mm:ss", got ${JSON.stringify(t.slice(0, 40))}`,
      });
      return z.NEVER;
    }),
    pos_location_id: z.string().trim(),
    customer_phone: z.string().trim(),
    order_gross: num(),
    order_tax: num(0),
    order_discount: num(0),
    order_delivery: num(0),
    order_packaging: num(0),
    order_service: num(0),
    order_round_off: num(0),
    order_net: num(),
  });

const LineColumns = z.object({
  sku: z.string().trim(),
  name: z.string().trim(),
  category: z.string().trim(),
  quantity: num(),
  unit_price: num(),
  line_total: optionalNum(),
  line_tax: num(0),
  line_discount: num(0),
});

const schemas = new Map<string, ReturnType<typeof OrderColumns>>();
const orderColumnsFor = (timeZone: string) => {
  let s = schemas.get(timeZone);
  if (s === undefined) schemas.set(timeZone, (s = OrderColumns(timeZone)));
  return s;
};

/** `column: problem; ...` with the column named as in the CSV header. */
const formatIssues = (issues: z.ZodError['issues'], prefix = '') =>
  issues.map((i) => `${prefix}${i.path.join('.') || '(row)'}: ${i.message}`).join('; ');

export type CsvGroupResult = { ok: true; value: GenericOrderInput } | { ok: false; reason: string };

/**
 * One order from its consecutive rows. Order-level cells may be repeated on every row or left
 * empty after the first; a non-empty cell that disagrees with the first row rejects the order.
 * A row whose sku, name and quantity are all empty carries no line (an order without items).
 */
export function csvRowsToOrder(rows: readonly { line: number; row: CsvRow }[], timeZone: string): CsvGroupResult {
  const first = rows[0];
  if (first === undefined) return { ok: false, reason: 'no rows' };
  const cell = (row: CsvRow, column: string) => row[column] ?? '';
  const withDefaults = (row: CsvRow) => Object.fromEntries(CSV_ORDER_COLUMNS.map((c) => [c, cell(row, c)]));
  const head = orderColumnsFor(timeZone).safeParse(withDefaults(first.row));
  if (!head.success) return { ok: false, reason: formatIssues(head.error.issues) };

  const problems: string[] = [];
  for (const { line, row } of rows.slice(1)) {
    for (const c of CSV_ORDER_COLUMNS) {
      const v = cell(row, c).trim();
      if (v !== '' && v !== cell(first.row, c).trim()) {
        problems.push(`line ${line}: ${c} ${JSON.stringify(v.slice(0, 40))} differs from the order's first row`);
      }
    }
  }
  const lines: GenericOrderInput['lines'] = [];
  for (const { line, row } of rows) {
    if (['sku', 'name', 'quantity'].every((c) => cell(row, c).trim() === '')) continue;
    const l = LineColumns.safeParse(Object.fromEntries(CSV_LINE_COLUMNS.map((c) => [c, cell(row, c)])));
    if (!l.success) {
      problems.push(formatIssues(l.error.issues, `line ${line}: `));
      continue;
    }
    // Exports often leave the line total out; quantity × unit price, rounded to storage precision.
    const total = l.data.line_total ?? Math.round(l.data.quantity * l.data.unit_price * 1e4) / 1e4;
    lines.push({
      sku: l.data.sku,
      name: l.data.name,
      ...(l.data.category !== '' ? { category: l.data.category } : {}),
      quantity: l.data.quantity,
      unitPrice: l.data.unit_price,
      total,
      tax: l.data.line_tax,
      discount: l.data.line_discount,
    });
  }
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };

  const o = head.data;
  return {
    ok: true,
    value: {
      orderId: o.order_id,
      revision: o.revision,
      status: o.status,
      channel: o.channel,
      source: o.source,
      paymentType: o.payment_type,
      currency: o.currency,
      createdAt: o.created_at,
      ...(o.pos_location_id !== '' ? { posLocationId: o.pos_location_id } : {}),
      ...(o.customer_phone !== '' ? { customerPhone: o.customer_phone } : {}),
      totals: {
        gross: o.order_gross,
        tax: o.order_tax,
        discount: o.order_discount,
        delivery: o.order_delivery,
        packaging: o.order_packaging,
        service: o.order_service,
        roundOff: o.order_round_off,
        net: o.order_net,
      },
      lines,
    },
  };
}

/**
 * Streams a CSV file as orders (each a `GenericOrderInput` or a reject). The header row is
 * required; a row with a different number of fields than the header, or one csv-parse cannot read
 * (an unclosed quote), is rejected on its own.
 */
export async function* csvOrderRecords(path: string, opts: { timeZone: string }): AsyncGenerator<SourceRecord> {
  const skipped: SourceRecord[] = [];
  const parser = createReadStream(path).pipe(
    parse({
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined) => {
        const line = typeof err?.lines === 'number' ? err.lines : 0; // csv-parse puts the context on the error
        skipped.push({ line, linesRead: line, ok: false, reason: `unreadable CSV row: ${err?.message ?? 'unknown error'}` });
        return undefined;
      },
    }),
  );

  let header: string[] | undefined;
  let group: { key: string; orderId: string; rows: { line: number; row: CsvRow }[] } | undefined;
  let linesRead = 0;
  const flush = (): SourceRecord | undefined => {
    if (group === undefined) return undefined;
    const g = group;
    group = undefined;
    const r = csvRowsToOrder(g.rows, opts.timeZone);
    const line = g.rows[0]!.line;
    return r.ok
      ? { line, linesRead, ok: true, value: r.value }
      : { line, linesRead, ok: false, reason: r.reason, orderId: g.orderId };
  };

  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const { record, info } = item;
    yield* skipped.splice(0);
    linesRead = info.lines;
    if (header === undefined) {
      header = record.map((h) => h.trim().toLowerCase());
      const missing = CSV_REQUIRED_COLUMNS.filter((c) => !header!.includes(c));
      if (missing.length > 0) throw new Error(`CSV header is missing required column(s): ${missing.join(', ')}`);
      continue;
    }
    if (record.length !== header.length) {
      const done = flush();
      if (done !== undefined) yield done;
      yield {
        line: info.lines,
        linesRead,
        ok: false,
        reason: `row has ${record.length} fields, the header has ${header.length}`,
      };
      continue;
    }
    const row: CsvRow = Object.fromEntries(header.map((h, i) => [h, record[i] ?? '']));
    const orderId = (row.order_id ?? '').trim();
    const key = `${orderId}\u0000${(row.revision ?? '').trim()}`;
    if (group !== undefined && group.key !== key) {
      const done = flush();
      if (done !== undefined) yield done;
    }
    group ??= { key, orderId, rows: [] };
    group.rows.push({ line: info.lines, row });
  }
  yield* skipped.splice(0);
  const done = flush();
  if (done !== undefined) yield done;
  if (header === undefined) throw new Error('CSV file is empty: a header row is required');
}
