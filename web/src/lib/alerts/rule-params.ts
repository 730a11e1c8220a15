// The kind parameters of an alert rule as form fields, read off the contracts' `RuleSpec` zod
// schema (types, bounds, enum options, defaults), so a field added to a kind there shows up in the
// editor without a change here. Only the words people read (labels, help) live in this file.
// Imports zod through contracts: rules page only, like rule-form.ts.
import { RuleSpec, type RuleKindName } from '@shelfsense/contracts';

interface ParamFieldBase {
  readonly key: string;
  readonly label: string;
  readonly help: string | null;
  /** Neither optional nor defaulted: the rule needs a value. */
  readonly required: boolean;
}

export type ParamField =
  | (ParamFieldBase & { readonly type: 'number'; readonly min: number | null; readonly max: number | null; readonly integer: boolean })
  | (ParamFieldBase & { readonly type: 'choice'; readonly options: readonly string[] })
  /** Several of a fixed set (checkboxes): zone states. */
  | (ParamFieldBase & { readonly type: 'choices'; readonly options: readonly string[] })
  | (ParamFieldBase & { readonly type: 'text' })
  /** A list of free-form ids, typed comma-separated. */
  | (ParamFieldBase & { readonly type: 'list' });

/** A param as the form holds it: number inputs give `number | null`, lists of ids one string. */
export type ParamValue = number | null | string | readonly string[];

const LABELS: Readonly<Record<string, string>> = {
  metric: 'Metric',
  windowMinutes: 'Window (minutes)',
  op: 'Fires when the value is',
  value: 'Value',
  resolveValue: 'Resolves at',
  zoneId: 'Zone id',
  sku: 'SKU',
  minutes: 'Minutes',
  target: 'Device',
  states: 'Zone states',
  zoneIds: 'Zone ids',
  weeks: 'Baseline weeks',
  deviations: 'Deviations (scaled MADs)',
  direction: 'Direction',
  minBaselineNet: 'Minimum baseline net sales',
  gapMultiple: 'Gap multiple',
  minUnitsPerHour: 'Minimum units per hour',
};

/** Help by `kind.key` first, then by key. */
const HELP: Readonly<Record<string, string>> = {
  'threshold.windowMinutes': 'Sales metrics over this trailing window; zone metrics use the latest state',
  'threshold.resolveValue': 'Hysteresis: resolves only once back past this (empty = the value)',
  'threshold.zoneId': 'Zone metrics only; empty = every zone',
  'threshold.sku': 'Optional: one product only',
  'pos_silent.minutes': 'No orders for this long while the store is open',
  'heartbeat_stale.minutes': 'A heartbeat missing for this long',
  'shelf_out_of_stock.zoneIds': 'Comma-separated; empty = every zone',
  'sales_anomaly.weeks': 'Same weekday and hour over this many weeks (median and MAD)',
  'sales_anomaly.deviations': 'Fires when this hour is further than this from the median',
  'sales_anomaly.minBaselineNet': 'Hours with a smaller median are not judged',
  'pos_vision_oos.gapMultiple': 'No sale for this many times the usual gap between sales',
  'pos_vision_oos.minUnitsPerHour': 'The sku must usually sell at least this many per open hour',
  'pos_vision_oos.weeks': 'History the usual gap is learnt from',
};

/**
 * Starting values where the schema has no default but the rule needs one; chosen so a new rule of
 * the kind is sensible for a demo store at once.
 */
const STARTING: Readonly<Partial<Record<RuleKindName, Readonly<Record<string, ParamValue>>>>> = {
  threshold: { metric: 'zone_fill', op: 'below', value: 0.2 },
  pos_silent: { minutes: 30 },
  heartbeat_stale: { minutes: 10 },
};

/** `forMinutes` a new rule of the kind starts with. */
export const STARTING_FOR_MINUTES: Readonly<Record<RuleKindName, number>> = {
  threshold: 5,
  pos_silent: 0,
  heartbeat_stale: 0,
  shelf_out_of_stock: 10,
  sales_anomaly: 0,
  pos_vision_oos: 0,
};

/** The little of a zod schema this reads (zod 4's public `def`). */
interface Schema {
  readonly def: { readonly type: string; readonly innerType?: Schema; readonly defaultValue?: unknown };
}

/** Optional and default wrappers peeled off, with what they said. */
function unwrap(schema: Schema): { inner: Schema; optional: boolean; defaultValue: unknown } {
  let inner = schema;
  let optional = false;
  let defaultValue: unknown;
  while ((inner.def.type === 'optional' || inner.def.type === 'default') && inner.def.innerType !== undefined) {
    optional = true;
    if (inner.def.type === 'default') defaultValue = inner.def.defaultValue;
    inner = inner.def.innerType;
  }
  return { inner, optional, defaultValue };
}

function fieldOf(kind: RuleKindName, key: string, schema: Schema): { field: ParamField; defaultValue: unknown } {
  const { inner, optional, defaultValue } = unwrap(schema);
  const base = { key, label: LABELS[key] ?? key, help: HELP[`${kind}.${key}`] ?? null, required: !optional };
  const s = inner as unknown as {
    def: { type: string };
    minValue?: number | null;
    maxValue?: number | null;
    isInt?: boolean;
    options?: readonly string[];
    element?: { def: { type: string }; options?: readonly string[] };
  };
  let field: ParamField;
  switch (s.def.type) {
    case 'number':
      field = {
        ...base,
        type: 'number',
        min: Number.isFinite(s.minValue) ? (s.minValue as number) : null,
        max: Number.isFinite(s.maxValue) ? (s.maxValue as number) : null,
        integer: s.isInt === true,
      };
      break;
    case 'enum':
      field = { ...base, type: 'choice', options: s.options ?? [] };
      break;
    case 'array':
      field =
        s.element?.def.type === 'enum' ? { ...base, type: 'choices', options: s.element.options ?? [] } : { ...base, type: 'list' };
      break;
    default:
      field = { ...base, type: 'text' };
  }
  return { field, defaultValue };
}

function paramsSchemaOf(kind: RuleKindName): Readonly<Record<string, Schema>> {
  const option = RuleSpec.options.find((o) => o.shape.kind.value === kind);
  if (option === undefined) throw new Error(`unknown rule kind ${kind}`);
  return option.shape.params.shape as unknown as Readonly<Record<string, Schema>>;
}

/** The kind's params in schema order. */
export function paramFieldsOf(kind: RuleKindName): readonly ParamField[] {
  return Object.entries(paramsSchemaOf(kind)).map(([key, schema]) => fieldOf(kind, key, schema).field);
}

/** Form values for a new rule of the kind: schema defaults, starting values, else empty. */
export function initialParams(kind: RuleKindName): Record<string, ParamValue> {
  const values: Record<string, ParamValue> = {};
  for (const [key, schema] of Object.entries(paramsSchemaOf(kind))) {
    const { field, defaultValue } = fieldOf(kind, key, schema);
    const starting = STARTING[kind]?.[key];
    values[key] = starting ?? toFormValue(field, defaultValue);
  }
  return values;
}

/** A stored param as the form shows it. */
export function toFormValue(field: ParamField, value: unknown): ParamValue {
  switch (field.type) {
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'choice':
      // A required choice starts on its first option, as a select would show it.
      return typeof value === 'string' ? value : field.required ? (field.options[0] ?? '') : '';
    case 'choices':
      return Array.isArray(value) ? value.map(String) : [];
    case 'list':
      return Array.isArray(value) ? value.map(String).join(', ') : '';
    case 'text':
      return typeof value === 'string' ? value : '';
  }
}

/**
 * A form value as the body sends it; empty inputs are left out so the schema's default applies
 * (or its "required" message shows).
 */
export function fromFormValue(field: ParamField, value: ParamValue | undefined): unknown {
  switch (field.type) {
    case 'number':
      // An input the user cleared can hold '' rather than null.
      return typeof value === 'number' && !Number.isNaN(value) ? value : undefined;
    case 'choices':
      return Array.isArray(value) ? [...value] : undefined;
    case 'list': {
      const ids = typeof value === 'string' ? value.split(/[\s,]+/).filter((id) => id !== '') : [];
      return ids.length === 0 ? undefined : ids;
    }
    case 'choice':
    case 'text':
      return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  }
}
