import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import { createApiClient } from './client.ts';

interface Call {
  url: string;
  method: string;
  body: unknown;
}

function fakeFetch(respond: (call: Call) => Response): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchFn = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const call = { url, method: init?.method ?? 'GET', body };
    calls.push(call);
    return Promise.resolve(respond(call));
  };
  return { fetch: fetchFn, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const SECRET = 'whsec-0123456789abcdef';

describe('alerting settings client', () => {
  it('sends a webhook secret in the body only, never in the URL', async () => {
    const fake = fakeFetch(() => json(200, { id: 'ch1', kind: 'webhook', hasSecret: true, rotating: true }));
    const sut = createApiClient({ apiKey: 'k', fetch: fake.fetch });

    await sut.createChannel({ kind: 'webhook', name: 'Ops', url: 'https://ops.test/hook', secret: SECRET, storeId: 's1' });
    await sut.updateChannel('ch/1', { secret: SECRET, rotate: true });
    expect(fake.calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST /api/v1/notification-channels',
      'PATCH /api/v1/notification-channels/ch%2F1',
    ]);
    expect(fake.calls.every((c) => !c.url.includes(SECRET))).toBe(true);
    expect(fake.calls[1]?.body).toEqual({ secret: SECRET, rotate: true });
  });

  it('ends a silence with DELETE and reads the 204 as done', async () => {
    const fake = fakeFetch(() => new Response(null, { status: 204 }));
    const sut = createApiClient({ apiKey: 'k', fetch: fake.fetch });
    await expect(sut.endSilence('demo-blr-1', 'sil1')).resolves.toBeUndefined();
    expect(fake.calls[0]).toMatchObject({ method: 'DELETE', url: '/api/v1/stores/demo-blr-1/silences/sil1' });
  });

  it('lists silences with includeExpired and the ledger with its filters', async () => {
    const fake = fakeFetch((c) => json(200, c.url.includes('silences') ? { silences: [] } : { deliveries: [], nextCursor: null }));
    const sut = createApiClient({ apiKey: 'k', fetch: fake.fetch });
    await sut.listSilences('demo-blr-1', true);
    await sut.listDeliveries({ storeId: 'demo-blr-1', statuses: ['failed', 'dead_lettered'], limit: 50, cursor: 'c1' });
    expect(fake.calls.map((c) => c.url)).toEqual([
      '/api/v1/stores/demo-blr-1/silences?includeExpired=true',
      '/api/v1/notification-deliveries?storeId=demo-blr-1&status=failed%2Cdead_lettered&limit=50&cursor=c1',
    ]);
  });

  it("keeps a 400's field details on the ApiError", async () => {
    const details = [{ path: '/matchers/0/label', message: 'must be a label name' }];
    const fake = fakeFetch(() =>
      json(400, { error: { code: 'validation_failed', message: 'body.matchers.0.label: must be a label name', details } }),
    );
    const sut = createApiClient({ apiKey: 'k', fetch: fake.fetch });
    const error = await sut.createSilence('s1', { startsAt: '2025-01-01T00:00:00.000Z' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'validation_failed', details });
  });

  it('rejects an opening-hours answer without a time zone', async () => {
    const fake = fakeFetch(() => json(200, { storeId: 's1' }));
    const sut = createApiClient({ apiKey: 'k', fetch: fake.fetch });
    await expect(sut.getOpeningHours('s1')).rejects.toMatchObject({ code: 'internal' });
  });
});
