// A seeded corpus of bad (and some good) POS payloads for the bad-input fuzz test ("Must
// show"). Same seed, same corpus: a failure names the case, and the case can be replayed.
import { makeGenericOrderInput } from '@shelfsense/test';

export type Endpoint = '/pos/petpooja' | '/pos/orders';

export interface FuzzCase {
  /** Index and what was done, for failure messages. */
  readonly name: string;
  readonly endpoint: Endpoint;
  /** Built on demand so the megabyte bodies are not all held at once. */
  readonly body: () => string | Uint8Array;
  /** undefined: no content-type header at all. */
  readonly contentType: string | undefined;
  /** A payload the connector must accept (202); every other case may be 2xx or 4xx. */
  readonly valid: boolean;
  /** A body over `maxBodyBytes`: the answer must be 413 payload_too_large. */
  readonly overLimit: boolean;
}

/** mulberry32: tiny, seedable, good enough to pick mutations. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}
type Rng = ReturnType<typeof rng>;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const deepNested = (depth: number): Json => (depth === 0 ? 'bottom' : [deepNested(depth - 1)]);

/** Values that are the wrong type, out of range or hostile somewhere in every schema. */
const JUNK: readonly Json[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  1e20,
  -1e20,
  5e-324,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  ' ',
  'abc',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '0x10',
  '١٢٣',
  '12abc',
  '1,661.00',
  [],
  {},
  [1, 2, 3],
  { a: 1 },
  deepNested(60),
  '🍦🍨',
  'a\u0000b',
  '\ud800',
  '\udc00x',
  'x\u202eevil',
  '\u200b',
  'שלום עולם',
  'مرحبا',
  '\r\n',
  'x'.repeat(10_000),
  '__proto__',
  '2025-13-45 99:99:99',
];

const UNICODE: readonly string[] = [
  '🍦 Sundae 🍨',
  'Café ☕ crème',
  'שוקו חם',
  'قهوة عربية',
  '\u202eesrever',
  'zero\u200bwidth',
  'e\u0301 combining',
  '你好',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'nul\u0000byte',
  'lone \ud83c surrogate',
  'trail \udfff',
  '\u0007bell\u001b[31m',
  '\uFEFFbom',
];

/** Every path into a JSON value (objects, arrays and leaves), root excluded. */
function paths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  const children: [string | number, Json][] = Array.isArray(v)
    ? v.map((x, i) => [i, x])
    : v !== null && typeof v === 'object'
      ? Object.entries(v)
      : [];
  for (const [k, x] of children) {
    out.push([...prefix, k]);
    paths(x, [...prefix, k], out);
  }
  return out;
}

function parentOf(
  root: Json,
  path: (string | number)[],
): { parent: Json[] | Record<string, Json>; key: string | number } | undefined {
  let cur: Json = root;
  for (const k of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, Json>)[k as string] ?? null;
  }
  if (cur === null || typeof cur !== 'object') return undefined;
  return { parent: cur, key: path[path.length - 1]! };
}

/** One structural mutation of a copy of `base`; returns the mutated value and what was done. */
function mutate(base: Json, r: Rng): { value: Json; what: string } {
  const value = structuredClone(base);
  const all = paths(value);
  const path = r.pick(all);
  const at = parentOf(value, path);
  if (at === undefined) return { value, what: 'noop' };
  const { parent, key } = at;
  const op = r.pick(['delete', 'junk', 'junk', 'junk', 'unicode', 'numeric-string', 'wrap-array', 'empty'] as const);
  const where = path.join('.');
  const set = (v: Json) => {
    if (Array.isArray(parent)) parent[key as number] = v;
    else parent[key as string] = v;
  };
  const current = Array.isArray(parent) ? parent[key as number] : parent[key as string];
  switch (op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      return { value, what: `delete ${where}` };
    case 'junk': {
      const j = r.pick(JUNK);
      set(structuredClone(j));
      return { value, what: `${where} = ${JSON.stringify(j)?.slice(0, 30)}` };
    }
    case 'unicode': {
      const u = r.pick(UNICODE);
      set(u);
      return { value, what: `${where} = unicode ${JSON.stringify(u)}` };
    }
    case 'numeric-string':
      set(
        typeof current === 'number'
          ? String(current)
          : typeof current === 'string' && /^-?\d/.test(current)
            ? Number(current)
            : '42',
      );
      return { value, what: `${where} numeric<->string` };
    case 'wrap-array':
      set([current ?? null]);
      return { value, what: `${where} wrapped in []` };
    case 'empty':
      set(Array.isArray(current) ? [] : current !== null && typeof current === 'object' ? {} : '');
      return { value, what: `${where} emptied` };
  }
}

const PROTO_INJECTIONS = [
  '"__proto__":{"isAdmin":true},',
  '"constructor":{"prototype":{"isAdmin":true}},',
  '"__proto__":[],',
  '"prototype":{"x":1},',
  '"constructor":"x",',
] as const;

/** Text-level damage that a structural mutation cannot express. */
function damageText(text: string, r: Rng): { body: string | Uint8Array; what: string } {
  switch (r.int(7)) {
    case 0: {
      const cut = r.int(text.length);
      return { body: text.slice(0, cut), what: `truncated at ${cut}/${text.length}` };
    }
    case 1: {
      const bytes = Buffer.from(text);
      for (let i = 0; i < 1 + r.int(8); i++) bytes[r.int(bytes.length)] = r.int(256);
      return { body: new Uint8Array(bytes), what: 'random byte flips' };
    }
    case 2: {
      const bytes = new Uint8Array(1 + r.int(2048));
      for (let i = 0; i < bytes.length; i++) bytes[i] = r.int(256);
      return { body: bytes, what: `${bytes.length} random bytes` };
    }
    case 3: {
      const injection = r.pick(PROTO_INJECTIONS);
      const braces = [...text.matchAll(/\{/g)].map((m) => m.index);
      const at = r.pick(braces) + 1;
      return { body: text.slice(0, at) + injection + text.slice(at), what: `prototype key ${injection}` };
    }
    case 4: {
      const depth = r.pick([100, 5_000, 100_000]);
      return { body: `${'['.repeat(depth)}${']'.repeat(depth)}`, what: `array nested ${depth} deep` };
    }
    case 5: {
      const literal = r.pick([
        '1e400',
        '-1e400',
        '123456789012345678901234567890',
        'NaN',
        'Infinity',
        '-0',
        '0.0000000000000000000001',
      ]);
      const numbers = [...text.matchAll(/:\s*-?\d+(\.\d+)?/g)];
      if (numbers.length === 0) return { body: text, what: 'no number to replace' };
      const m = r.pick(numbers);
      return {
        body: `${text.slice(0, m.index)}: ${literal}${text.slice(m.index + m[0].length)}`,
        what: `raw number literal ${literal}`,
      };
    }
    default: {
      const junk = r.pick(['', ' ', 'null', 'true', '"string"', '42', '[]', '{}', '{"a":', '\u0000', '{}{}', '\uFEFF{}']);
      return { body: junk, what: `whole body ${JSON.stringify(junk)}` };
    }
  }
}

const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'a/b/c',
  'application/JSON',
  'application/vnd.api+json',
  'application/octet-stream',
  'image/png',
  ';;;',
] as const;

export interface CorpusOptions {
  readonly seed: number;
  readonly size: number;
  /** The PetPooja relay event from the field (test/fixtures/petpooja-orderdetails.json). */
  readonly petPoojaFixture: unknown;
  readonly token: string;
  readonly maxBodyBytes: number;
}

/**
 * ~15 % valid payloads (as sent, or changed in ways the connectors must accept), the rest broken in
 * every way the issue lists. Ids are unique per case so accepted orders can be counted.
 */
export function buildCorpus(opts: CorpusOptions): FuzzCase[] {
  const r = rng(opts.seed);
  const cases: FuzzCase[] = [];
  const json = 'application/json';
  let n = 0;

  const relay = (
    id: string | number,
    streamId: number,
    edit: (props: Record<string, Json>, e: Record<string, Json>) => void = () => undefined,
  ) => {
    const e = structuredClone(opts.petPoojaFixture) as Record<string, Json> & {
      raw_event: { raw_payload: Record<string, Json> };
    };
    e.stream_id = streamId;
    e.raw_event.raw_payload.token = opts.token;
    const props = e.raw_event.raw_payload.properties as Record<string, Json> & { Order: Record<string, Json> };
    props.Order.orderID = id;
    edit(props, e);
    return e as unknown as Json;
  };
  const bare = (id: string | number, edit: (props: Record<string, Json>) => void = () => undefined) =>
    (relay(id, 0, edit) as { raw_event: { raw_payload: Json } }).raw_event.raw_payload;
  const generic = (id: string) =>
    makeGenericOrderInput({
      orderId: id,
      createdAt: new Date(Date.UTC(2026, 0, 3, 9) + r.int(86_400_000)).toISOString(),
      customerPhone: '+91 98450 12345',
    }) as unknown as Json;
  const add = (c: Omit<FuzzCase, 'name' | 'overLimit'> & { what: string; overLimit?: boolean }) =>
    cases.push({ ...c, overLimit: c.overLimit ?? false, name: `#${n++} ${c.endpoint} ${c.what}` });
  const base = (i: number): { endpoint: Endpoint; value: Json; kind: string } => {
    const kind = r.pick(['relay', 'bare', 'generic'] as const);
    const id = `fz-${i}`;
    if (kind === 'generic') return { endpoint: '/pos/orders', value: generic(id), kind };
    return { endpoint: '/pos/petpooja', value: kind === 'relay' ? relay(id, 1000 + i) : bare(id), kind };
  };

  // Valid as sent, and valid after changes the field notes say PetPooja makes.
  const validEdits: [string, (p: Record<string, Json> & { Order?: Json }) => void][] = [
    ['as sent', () => undefined],
    [
      'numbers as strings',
      (p) => Object.assign(p.Order as object, { total: '1661.00', core_total: '1440', round_off: '-0.2', service_charge: '0' }),
    ],
    [
      'unicode names',
      (p) => ((p.OrderItem as Record<string, Json>[])[0]!.name = r.pick(['🍦 Sundae', 'קפה', 'قهوة', 'Crème brûlée', '抹茶'])),
    ],
    [
      'order type label',
      (p) => ((p.Order as Record<string, Json>).order_type = r.pick(['Dine In', 'Pick Up', 'takeaway', 'DELIVERY'])),
    ],
    ['empty customer', (p) => (p.Customer = r.pick([[], { name: '', phone: '', address: '', gstin: '' }]))],
    ['unknown extra fields', (p) => Object.assign(p.Order as object, { new_field: { nested: [1, 2] }, table_no: 7 })],
  ];
  const validCount = Math.round(opts.size * 0.15);
  const accepted: Json[] = [];
  for (let i = 0; i < validCount; i++) {
    const roll = r.int(10);
    if (roll === 0 && accepted.length > 0) {
      const again = r.pick(accepted);
      const endpoint: Endpoint = (again as Record<string, Json>).orderId === undefined ? '/pos/petpooja' : '/pos/orders';
      add({ endpoint, body: () => JSON.stringify(again), contentType: json, valid: true, what: 're-sent (duplicate)' });
      continue;
    }
    if (roll === 1) {
      // A later cancellation of an order sent earlier in this corpus.
      const value = relay(`fz-cancel-${i}`, 5000 + i, (p) => ((p.Order as Record<string, Json>).status = 'Cancelled'));
      add({ endpoint: '/pos/petpooja', body: () => JSON.stringify(value), contentType: json, valid: true, what: 'cancellation' });
      continue;
    }
    const [what, edit] = r.pick(validEdits);
    const kind = r.pick(['relay', 'bare', 'generic'] as const);
    const id = r.int(2) === 0 ? `fz-valid-${i}` : 900_000 + i;
    const value = kind === 'generic' ? generic(`fz-valid-${i}`) : kind === 'relay' ? relay(id, 100 + i, edit) : bare(id, edit);
    accepted.push(value);
    add({
      endpoint: kind === 'generic' ? '/pos/orders' : '/pos/petpooja',
      body: () => JSON.stringify(value),
      contentType: json,
      valid: true,
      what: `valid ${kind} ${kind === 'generic' ? '' : what}`,
    });
  }

  // Sizes around the body limit.
  const padded = (bytes: number, endpoint: Endpoint) => () => {
    const value =
      endpoint === '/pos/orders'
        ? (generic(`fz-big-${bytes}`) as Record<string, Json>)
        : (bare(`fz-big-${bytes}`) as Record<string, Json>);
    const target =
      endpoint === '/pos/orders' ? value : ((value.properties as Record<string, Json>).Order as Record<string, Json>);
    target.comment = '';
    const without = Buffer.byteLength(JSON.stringify(value));
    target.comment = 'x'.repeat(Math.max(0, bytes - without));
    return JSON.stringify(value);
  };
  for (const endpoint of ['/pos/orders', '/pos/petpooja'] as const) {
    for (const bytes of [1_000_000, opts.maxBodyBytes, opts.maxBodyBytes + 1, opts.maxBodyBytes + 1000, 2 * opts.maxBodyBytes]) {
      // A 1 MB PetPooja body whose padding sits in a field the connector ignores is a valid order.
      const valid = endpoint === '/pos/petpooja' && bytes <= opts.maxBodyBytes;
      const overLimit = bytes > opts.maxBodyBytes;
      add({ endpoint, body: padded(bytes, endpoint), contentType: json, valid, overLimit, what: `${bytes}-byte body` });
    }
  }

  while (cases.length < opts.size) {
    const i = cases.length;
    const { endpoint, value, kind } = base(i);
    const roll = r.next();
    if (roll < 0.6) {
      // One to three structural mutations.
      let current = value;
      const done: string[] = [];
      for (let k = 0; k < 1 + r.int(3); k++) {
        const m = mutate(current, r);
        current = m.value;
        done.push(m.what);
      }
      add({
        endpoint,
        body: () => JSON.stringify(current),
        contentType: json,
        valid: false,
        what: `${kind}: ${done.join(', ')}`,
      });
    } else if (roll < 0.8) {
      const d = damageText(JSON.stringify(value), r);
      add({ endpoint, body: () => d.body, contentType: json, valid: false, what: `${kind}: ${d.what}` });
    } else if (roll < 0.88) {
      const ct = r.pick([...CONTENT_TYPES, undefined]);
      const text = JSON.stringify(value);
      add({
        endpoint,
        body: () => (ct === undefined ? new Uint8Array(Buffer.from(text)) : text),
        contentType: ct,
        valid: false,
        what: `${kind}: content-type ${String(ct)}`,
      });
    } else if (roll < 0.95) {
      const wrapped = r.pick(['root', 'properties', 'Order', 'lines', 'OrderItem'] as const);
      const copy = structuredClone(value) as Record<string, Json>;
      const props = (kind === 'relay' ? ((copy.raw_event as Record<string, Json>).raw_payload as Record<string, Json>) : copy)
        .properties as Record<string, Json> | undefined;
      let body: Json = copy;
      if (wrapped === 'root') body = [copy];
      else if (props !== undefined && wrapped !== 'lines')
        props[wrapped] = wrapped === 'OrderItem' ? ({ 0: props.OrderItem } as Json) : [props[wrapped] ?? null];
      else if (copy.lines !== undefined) copy.lines = { ...(copy.lines as Json[]) };
      add({
        endpoint,
        body: () => JSON.stringify(body),
        contentType: json,
        valid: false,
        what: `${kind}: array/object swapped at ${wrapped}`,
      });
    } else {
      const copy = structuredClone(value) as Record<string, Json>;
      const payload = kind === 'relay' ? ((copy.raw_event as Record<string, Json>).raw_payload as Record<string, Json>) : copy;
      payload.token = r.pick(['', 'wrong', opts.token.toUpperCase(), `${opts.token} `, 7 as unknown as string]);
      add({
        endpoint: '/pos/petpooja',
        body: () => JSON.stringify(copy),
        contentType: json,
        valid: false,
        what: `${kind}: wrong token`,
      });
    }
  }
  return cases;
}
