// The alert-rule form: a rule (or a new one of a kind) as form fields, and the fields back as a rule
// body checked with the contracts' schema, the same the API validates with. Errors are keyed by
// field (`name`, `forMinutes`, `params.value`, …) whether they come from zod here or from the API's
// 400 details. This module imports zod (through contracts); only the rules page uses it, so only
// that page's chunk carries it.
import {
  AlertRuleBody,
  type AlertRule,
  type AlertRuleInput,
  type RuleKindName,
  type Severity,
} from '@shelfsense/contracts';
import type { ApiError } from '../api/api-error.ts';
import { fieldErrorsOf } from '../api/field-errors.ts';
import { kindLabel } from './alert-labels.ts';
import { STARTING_FOR_MINUTES, fromFormValue, initialParams, paramFieldsOf, toFormValue, type ParamValue } from './rule-params.ts';

/** What the form edits. */
export interface RuleFormFields {
  name: string;
  severity: Severity;
  /** A number input's value: null when it is empty or not a number. */
  forMinutes: number | null;
  enabled: boolean;
  /** Who is notified; null: the alerts are recorded and shown, nobody is notified. */
  policyId: string | null;
  /** One `key=value` per line (silences and grouping match on labels). */
  labels: string;
  kind: RuleKindName;
  /** By param key; see `paramFieldsOf(kind)`. */
  params: Record<string, ParamValue>;
}

/** Labels as the form's text: one `key=value` per line, sorted by key. */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

/** The form's label text back as a record; a line without `=` is an error naming the line. */
function parseLabels(text: string): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {};
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf('=');
    if (at <= 0) return { error: `line ${i + 1}: write each label as key=value` };
    labels[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return { labels };
}

/** The body that replaces `rule` unchanged (PUT takes the whole rule). */
export function ruleInputOf(rule: AlertRule): AlertRuleInput {
  return {
    name: rule.name,
    severity: rule.severity,
    forMinutes: rule.forMinutes,
    enabled: rule.enabled,
    policyId: rule.policyId,
    labels: rule.labels,
    ...rule.spec,
  } as AlertRuleInput;
}

export function formFieldsOf(rule: AlertRule): RuleFormFields {
  const stored = rule.spec.params as Readonly<Record<string, unknown>>;
  const params: Record<string, ParamValue> = {};
  for (const field of paramFieldsOf(rule.spec.kind)) params[field.key] = toFormValue(field, stored[field.key]);
  return {
    name: rule.name,
    severity: rule.severity,
    forMinutes: rule.forMinutes,
    enabled: rule.enabled,
    policyId: rule.policyId,
    labels: labelsText(rule.labels),
    kind: rule.spec.kind,
    params,
  };
}

/** A new rule of the kind, named after it, with the schema's defaults. */
export function newRuleFields(kind: RuleKindName): RuleFormFields {
  return {
    name: kindLabel(kind),
    severity: 'warning',
    forMinutes: STARTING_FOR_MINUTES[kind],
    enabled: true,
    policyId: null,
    labels: '',
    kind,
    params: initialParams(kind),
  };
}

/** Another kind for a new rule: its params start over; a name still the old kind's label follows. */
export function withKind(fields: RuleFormFields, kind: RuleKindName): RuleFormFields {
  const fresh = newRuleFields(kind);
  return { ...fields, kind, params: fresh.params, name: fields.name === kindLabel(fields.kind) ? fresh.name : fields.name };
}

export type RuleFormResult =
  | { readonly ok: true; readonly input: AlertRuleInput }
  /** Messages by field (see `fieldKeyOf`). */
  | { readonly ok: false; readonly errors: Readonly<Record<string, string>> };

const TOP_FIELDS = new Set(['name', 'severity', 'forMinutes', 'enabled', 'policyId', 'labels', 'kind']);

/**
 * The form field a schema path belongs to, and the rest of the path: `['params', 'states', 0]` →
 * `params.states` + `0`; `['params']` (e.g. an unknown key) → `params`; anything else → `form`.
 */
export function fieldKeyOf(path: readonly PropertyKey[]): { key: string; rest: readonly PropertyKey[] } {
  const [head, second] = path;
  if (typeof head === 'string' && TOP_FIELDS.has(head)) return { key: head, rest: path.slice(1) };
  if (head === 'params') {
    return typeof second === 'string' ? { key: `params.${second}`, rest: path.slice(2) } : { key: 'params', rest: path.slice(1) };
  }
  return { key: 'form', rest: path.filter((p) => p !== '') };
}

function addError(errors: Record<string, string>, path: readonly PropertyKey[], message: string): void {
  const { key, rest } = fieldKeyOf(path);
  const text = `${rest.length > 0 ? `${rest.map(String).join('.')}: ` : ''}${message}`;
  errors[key] = errors[key] === undefined ? text : `${errors[key]}; ${text}`;
}

/** The form as a rule body, validated with `AlertRuleBody`. */
export function readRuleForm(fields: RuleFormFields): RuleFormResult {
  const params: Record<string, unknown> = {};
  for (const field of paramFieldsOf(fields.kind)) {
    const value = fromFormValue(field, fields.params[field.key]);
    if (value !== undefined) params[field.key] = value;
  }
  const labels = parseLabels(fields.labels);
  const parsed = AlertRuleBody.safeParse({
    name: fields.name,
    severity: fields.severity,
    forMinutes: fields.forMinutes ?? Number.NaN,
    enabled: fields.enabled,
    policyId: fields.policyId,
    labels: 'labels' in labels ? labels.labels : {},
    kind: fields.kind,
    params,
  });
  if (parsed.success && 'labels' in labels) return { ok: true, input: parsed.data };
  const errors: Record<string, string> = {};
  if ('error' in labels) errors['labels'] = labels.error;
  if (parsed.success) return { ok: false, errors };
  for (const issue of parsed.error.issues) addError(errors, issue.path, issue.message);
  return { ok: false, errors };
}

/**
 * A 400 as form errors: `fieldErrorsOf` reads the API's details (`/params/value` → `params.value`),
 * then each lands on its form field. `under` is where the rule sits in the request body (`rule` for
 * a backtest); `from`/`to` there are the preview range's (`range`). The rest goes to `form`.
 */
export function errorsFromApi(error: ApiError, under: readonly string[] = []): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [key, message] of Object.entries(fieldErrorsOf(error))) {
    const path = key === 'form' ? [] : key.split('.');
    if (path[0] === 'from' || path[0] === 'to') {
      errors['range'] = errors['range'] === undefined ? `${key}: ${message}` : `${errors['range']}; ${key}: ${message}`;
    } else if (path.length > 0 && under.every((s, i) => path[i] === s)) {
      addError(errors, path.slice(under.length), message);
    } else {
      // Outside the rule (a backtest's storeId), or no field at all: `form`, with the path in front.
      addError(errors, ['', ...path], message);
    }
  }
  return errors;
}
