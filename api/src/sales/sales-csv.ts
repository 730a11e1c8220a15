// CSV export of the sales series (RFC 4180): header row, CRLF line ends, fields quoted only when
// they contain a comma, a double quote, CR or LF, with quotes doubled inside.
import { SALES_BUCKET_FIELDS, type SalesSeriesResponse } from '@shelfsense/contracts';

type Cell = string | number;

/**
 * Text from POS feeds (skus, product names, keys) could start a spreadsheet formula (`=HYPERLINK…`);
 * such cells get a leading apostrophe (OWASP "CSV injection"). Numbers are written as they are.
 */
function text(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

/** One RFC 4180 field. */
export function csvField(v: Cell): string {
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows to CSV text, every row (the last too) ended by CRLF. */
export function toCsv(rows: readonly (readonly Cell[])[]): string {
  return rows.map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}

const byTime = <R extends readonly Cell[]>(rows: R[]): R[] => rows.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));

/**
 * The CSV form of a sales series response: one row per bucket, and per key when grouped (then the
 * second column is named after `groupBy`); rows by time, then key. `t` is the bucket start in UTC,
 * as in the JSON form.
 */
export function salesCsv(res: SalesSeriesResponse): string {
  if (!('groupBy' in res)) {
    return toCsv([['t', ...SALES_BUCKET_FIELDS], ...res.buckets.map((b) => [b.t, ...SALES_BUCKET_FIELDS.map((f) => b[f] ?? 0)])]);
  }
  switch (res.groupBy) {
    case 'channel':
    case 'source':
    case 'payment':
      return toCsv([
        [
          't',
          res.groupBy,
          'orders',
          'items',
          'gross',
          'net',
          'aov',
          'cancelledOrders',
          'cancelledNet',
          'refundedOrders',
          'refundedNet',
        ],
        ...byTime(
          res.series.flatMap((s) =>
            s.buckets.map((b) => [
              b.t,
              text(s.key),
              b.orders,
              b.items,
              b.gross,
              b.net,
              b.aov,
              b.cancelledOrders,
              b.cancelledNet,
              b.refundedOrders,
              b.refundedNet,
            ]),
          ),
        ),
      ]);
    case 'sku':
      return toCsv([
        ['t', 'sku', 'name', 'quantity', 'net', 'lines'],
        ...byTime(
          res.series.flatMap((s) => s.buckets.map((b) => [b.t, text(s.key), text(s.name ?? ''), b.quantity, b.net, b.lines])),
        ),
      ]);
    case 'category':
      return toCsv([
        ['t', 'category', 'quantity', 'net', 'lines'],
        ...byTime(res.series.flatMap((s) => s.buckets.map((b) => [b.t, text(s.key), b.quantity, b.net, b.lines]))),
      ]);
  }
}
