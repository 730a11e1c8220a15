import { RULE_KINDS, type AlertRule } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-error.ts';
import { errorsFromApi, formFieldsOf, newRuleFields, readRuleForm, ruleInputOf, withKind } from './rule-form.ts';

const rule: AlertRule = {
  id: 'demo-blr-1-oos',
  storeId: 'demo-blr-1',
  name: 'Shelf out of stock',
  severity: 'warning',
  forMinutes: 10,
  enabled: true,
  policyId: null,
  labels: { team: 'fresh' },
  spec: { kind: 'shelf_out_of_stock', params: { states: ['empty'] } },
  createdAt: '2025-11-22T08:00:00.000Z',
  updatedAt: '2025-11-22T08:00:00.000Z',
};

describe('rule form', () => {
  it('round-trips a rule unchanged', () => {
    const result = readRuleForm(formFieldsOf(rule));
    expect(result).toEqual({ ok: true, input: ruleInputOf(rule) });
    expect(ruleInputOf(rule)).toEqual({
      name: 'Shelf out of stock',
      severity: 'warning',
      forMinutes: 10,
      enabled: true,
      policyId: null,
      labels: { team: 'fresh' },
      kind: 'shelf_out_of_stock',
      params: { states: ['empty'] },
    });
  });

  it('round-trips a threshold rule with its optional fields', () => {
    const threshold: AlertRule = {
      ...rule,
      spec: {
        kind: 'threshold',
        params: { metric: 'net_sales', windowMinutes: 30, op: 'below', value: 100, resolveValue: 150, sku: 'bev-col' },
      },
    };
    expect(readRuleForm(formFieldsOf(threshold))).toEqual({ ok: true, input: ruleInputOf(threshold) });
  });

  it('takes the edits, with the schema defaults for params left empty', () => {
    const fields = formFieldsOf(rule);
    const result = readRuleForm(
      { ...fields, name: ' Empty shelf ', forMinutes: 0, severity: 'critical', params: { states: ['low', 'empty'], zoneIds: ' a, b ,,c ' } },
    );
    expect(result).toMatchObject({
      ok: true,
      input: { name: 'Empty shelf', forMinutes: 0, severity: 'critical', params: { states: ['low', 'empty'], zoneIds: ['a', 'b', 'c'] } },
    });
    const sales = newRuleFields('sales_anomaly');
    expect(readRuleForm({ ...sales, params: { ...sales.params, weeks: null } })).toMatchObject({ ok: true, input: { params: { weeks: 4 } } });
  });

  it('edits the policy and the labels (key=value lines)', () => {
    const result = readRuleForm({ ...formFieldsOf(rule), policyId: 'ops', labels: ' team = fresh \n\naisle=3' });
    expect(result).toMatchObject({ ok: true, input: { policyId: 'ops', labels: { team: 'fresh', aisle: '3' } } });
    expect(formFieldsOf({ ...rule, labels: { b: '2', a: '1' } }).labels).toBe('a=1\nb=2');
    const bad = readRuleForm({ ...formFieldsOf(rule), labels: 'team=fresh\noops' });
    expect(bad).toEqual({ ok: false, errors: { labels: 'line 2: write each label as key=value' } });
    const badKey = readRuleForm({ ...formFieldsOf(rule), labels: 'Team Name=x' });
    expect(badKey.ok).toBe(false);
    if (!badKey.ok) expect(Object.keys(badKey.errors)).toEqual(['labels']);
  });

  it('names each bad field with the schema message', () => {
    const result = readRuleForm({ ...formFieldsOf(rule), name: '', forMinutes: 2000, params: { states: [] } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['forMinutes', 'name', 'params.states']);
    expect(result.errors['params.states']).toMatch(/>=1/);
    expect(result.errors['forMinutes']).toMatch(/1440/);
  });

  it('asks for the minutes and a required number when they are empty', () => {
    const silent = newRuleFields('pos_silent');
    expect(readRuleForm({ ...silent, forMinutes: null, params: { minutes: null } })).toMatchObject({
      ok: false,
      errors: { forMinutes: expect.any(String), 'params.minutes': expect.any(String) },
    });
  });

  it('puts a refinement on the field it names', () => {
    const threshold = newRuleFields('threshold');
    const result = readRuleForm({ ...threshold, params: { ...threshold.params, op: 'below', value: 0.2, resolveValue: 0.1 } });
    expect(result).toMatchObject({ ok: false, errors: { 'params.resolveValue': expect.stringMatching(/healthy side/) } });
  });
});

describe('new rules', () => {
  it('starts every kind as a valid rule', () => {
    for (const kind of RULE_KINDS) {
      const result = readRuleForm(newRuleFields(kind));
      expect(result, kind).toMatchObject({ ok: true, input: { kind, policyId: null, labels: {}, enabled: true } });
    }
  });

  it('switches kind: params start over, a default name follows, a typed one stays', () => {
    const oos = newRuleFields('shelf_out_of_stock');
    const silent = withKind(oos, 'pos_silent');
    expect(silent).toMatchObject({ kind: 'pos_silent', name: 'POS silent', params: { minutes: 30 } });
    expect(withKind({ ...oos, name: 'Drinks empty' }, 'threshold').name).toBe('Drinks empty');
  });
});

describe('API errors', () => {
  const apiError = (details: unknown, message = 'body.params.value: bad') =>
    new ApiError('validation_failed', message, { status: 400, details });

  it('maps a 400 detail path onto the form field', () => {
    expect(
      errorsFromApi(
        apiError([
          { path: '/params/value', message: 'Invalid input: expected number' },
          { path: '/params/states/0', message: 'Invalid option' },
          { path: '/name', message: 'Too small' },
        ]),
      ),
    ).toEqual({ 'params.value': 'Invalid input: expected number', 'params.states': '0: Invalid option', name: 'Too small' });
  });

  it('reads a backtest 400: the rule under `rule`, the range apart, the rest on the form', () => {
    expect(
      errorsFromApi(
        apiError([
          { path: '/rule/forMinutes', message: 'Too big' },
          { path: '/to', message: 'the range must be at most 31 days' },
          { path: '/storeId', message: 'Invalid' },
        ]),
        ['rule'],
      ),
    ).toEqual({ forMinutes: 'Too big', range: 'to: the range must be at most 31 days', form: 'storeId: Invalid' });
  });

  it('falls back to the message when there are no details', () => {
    expect(errorsFromApi(apiError(undefined, 'policy gone'))).toEqual({ form: 'policy gone' });
  });
});
