// The alert-rule edit form: a rule as form fields, and the fields back as a rule body checked with
// the contracts' schema, the same the API validates with. This module imports zod (through
// contracts); only the rules page uses it, so only that page's chunk carries it.
import { AlertRuleBody, type AlertRule, type AlertRuleInput, type Severity } from '@shelfsense/contracts';

/** What the form edits. Kind, policy and labels are kept as they are; params are edited as JSON. */
export interface RuleFormFields {
  name: string;
  severity: Severity;
  /** A number input's value: null when it is empty or not a number. */
  forMinutes: number | null;
  enabled: boolean;
  params: string;
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
  return {
    name: rule.name,
    severity: rule.severity,
    forMinutes: rule.forMinutes,
    enabled: rule.enabled,
    params: JSON.stringify(rule.spec.params, null, 2),
  };
}

export type RuleFormResult =
  | { readonly ok: true; readonly input: AlertRuleInput }
  /** Messages by field (`name`, `forMinutes`, `params`, or `form` for the rest). */
  | { readonly ok: false; readonly errors: Readonly<Record<string, string>> };

/** A `params.…` path under the params field, anything else under its top-level field. */
function fieldOf(path: readonly PropertyKey[]): string {
  const [head] = path;
  return typeof head === 'string' && ['name', 'severity', 'forMinutes', 'enabled', 'params'].includes(head) ? head : 'form';
}

/** The form as a rule body for `rule`'s kind, validated with `AlertRuleBody`. */
export function readRuleForm(rule: AlertRule, fields: RuleFormFields): RuleFormResult {
  let params: unknown;
  try {
    params = JSON.parse(fields.params);
  } catch (cause) {
    return { ok: false, errors: { params: `not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}` } };
  }
  const forMinutes = fields.forMinutes ?? Number.NaN;
  const parsed = AlertRuleBody.safeParse({
    name: fields.name,
    severity: fields.severity,
    forMinutes,
    enabled: fields.enabled,
    policyId: rule.policyId,
    labels: rule.labels,
    kind: rule.spec.kind,
    params,
  });
  if (parsed.success) return { ok: true, input: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = fieldOf(issue.path);
    const where = issue.path.length > 1 ? `${issue.path.slice(1).join('.')}: ` : '';
    errors[field] = errors[field] === undefined ? `${where}${issue.message}` : `${errors[field]}; ${where}${issue.message}`;
  }
  return { ok: false, errors };
}
