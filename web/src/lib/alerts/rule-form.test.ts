import type { AlertRule } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import { formFieldsOf, readRuleForm, ruleInputOf } from './rule-form.ts';

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
    const result = readRuleForm(rule, formFieldsOf(rule));
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

  it('takes the edits, with the schema defaults for params left out', () => {
    const result = readRuleForm(rule, {
      ...formFieldsOf(rule),
      name: ' Empty shelf ',
      forMinutes: 0,
      severity: 'critical',
      params: '{}',
    });
    expect(result).toMatchObject({
      ok: true,
      input: { name: 'Empty shelf', forMinutes: 0, severity: 'critical', params: { states: ['empty'] } },
    });
  });

  it('names each bad field with the schema message', () => {
    const result = readRuleForm(rule, { ...formFieldsOf(rule), name: '', forMinutes: 2000, params: '{"states": ["gone"]}' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['forMinutes', 'name', 'params']);
    expect(result.errors['params']).toMatch(/^states\.0: /);
    expect(result.errors['forMinutes']).toMatch(/1440/);
  });

  it('asks for a number when the minutes field is empty', () => {
    expect(readRuleForm(rule, { ...formFieldsOf(rule), forMinutes: null })).toMatchObject({
      ok: false,
      errors: { forMinutes: expect.any(String) },
    });
  });

  it('rejects params that are not JSON or not allowed for the kind', () => {
    expect(readRuleForm(rule, { ...formFieldsOf(rule), params: '{states:' })).toMatchObject({
      ok: false,
      errors: { params: expect.stringMatching(/^not valid JSON/) },
    });
    const extra = readRuleForm(rule, { ...formFieldsOf(rule), params: '{"minutes": 5}' });
    expect(extra.ok).toBe(false);
  });
});
