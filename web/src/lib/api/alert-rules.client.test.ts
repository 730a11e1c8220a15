import type { AlertRuleInput } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import { alertRulesClient } from './alert-rules.client.ts';
import { createHttp } from './http.ts';

interface Call {
  url: string;
  method: string;
  body: unknown;
}

function fakeFetch(respond: (url: string) => Response): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchFn = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    calls.push({ url, method: init?.method ?? 'GET', body });
    return Promise.resolve(respond(url));
  };
  return { fetch: fetchFn, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the promise to reject');
}

const input = { name: 'Empty', kind: 'pos_silent', params: { minutes: 5 } } as unknown as AlertRuleInput;
const backtest = { storeId: 's/1', rule: input, from: '2025-11-22T07:00:00.000Z', to: '2025-11-22T08:00:00.000Z' };

describe('alert rules client', () => {
  it('creates and deletes rules and posts a backtest', async () => {
    const rule = { id: 'r-1', storeId: 's/1', name: 'Empty' };
    const answer = { storeId: 's/1', alerts: [], series: [], truncated: false };
    const fake = fakeFetch((url) =>
      url.endsWith('/backtest') ? json(200, answer) : url.endsWith('/alert-rules') ? json(201, rule) : new Response(null, { status: 204 }),
    );
    const sut = alertRulesClient(createHttp({ apiKey: 'k', fetch: fake.fetch }));

    await expect(sut.createAlertRule('s/1', input)).resolves.toEqual(rule);
    await expect(sut.deleteAlertRule('s/1', 'r/1')).resolves.toBeUndefined();
    await expect(sut.backtestAlertRule(backtest)).resolves.toEqual(answer);
    expect(fake.calls).toEqual([
      { url: '/api/v1/stores/s%2F1/alert-rules', method: 'POST', body: input },
      { url: '/api/v1/stores/s%2F1/alert-rules/r%2F1', method: 'DELETE', body: undefined },
      { url: '/api/v1/alert-rules/backtest', method: 'POST', body: backtest },
    ]);
  });

  it('reports a backtest nobody answered as unavailable, a 400 with its details, and a body without series as unexpected', async () => {
    const down = alertRulesClient(
      createHttp({ apiKey: 'k', fetch: fakeFetch(() => json(503, { error: { code: 'unavailable', message: 'no processor answered' } })).fetch }),
    );
    expect((await rejection(down.backtestAlertRule(backtest))).code).toBe('unavailable');

    const details = [{ path: '/rule/params/minutes', message: 'Too small' }];
    const bad = alertRulesClient(
      createHttp({ apiKey: 'k', fetch: fakeFetch(() => json(400, { error: { code: 'validation_failed', message: 'm', details } })).fetch }),
    );
    const error = await rejection(bad.backtestAlertRule(backtest));
    expect([error.code, error.details]).toEqual(['validation_failed', details]);

    const odd = alertRulesClient(createHttp({ apiKey: 'k', fetch: fakeFetch(() => json(200, { alerts: [] })).fetch }));
    expect((await rejection(odd.backtestAlertRule(backtest))).code).toBe('internal');
  });
});
