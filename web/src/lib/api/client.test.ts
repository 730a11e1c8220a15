import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import { createApiClient, errorFromResponse, fileNameFromDisposition } from './client.ts';

interface Call {
  url: string;
  method: string;
  headers: Headers;
  body: unknown;
}

function fakeFetch(respond: (url: string) => Response | Promise<Response>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchFn = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    calls.push({ url, method: init?.method ?? 'GET', headers: new Headers(init?.headers), body });
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

describe('createApiClient', () => {
  it('sends the API key as a bearer token and returns the stores', async () => {
    const stores = { stores: [{ id: 'demo-blr-1', name: 'Demo Bengaluru', timezone: 'Asia/Kolkata' }] };
    const fake = fakeFetch(() => json(200, stores));
    const sut = createApiClient({ apiKey: 'ssk_test', fetch: fake.fetch });

    await expect(sut.listStores()).resolves.toEqual(stores);
    expect(fake.calls[0]?.url).toBe('/api/v1/stores');
    expect(fake.calls[0]?.headers.get('authorization')).toBe('Bearer ssk_test');
  });

  it('builds the sales query from the request', async () => {
    const fake = fakeFetch(() => json(200, { storeId: 'demo-blr-1', bucket: '1m', buckets: [] }));
    const sut = createApiClient({ apiKey: 'k', fetch: fake.fetch, baseUrl: 'http://api.test' });

    await sut.getSales('demo-blr-1', { from: '2025-11-22T07:36:00.000Z', to: '2025-11-22T08:36:00.000Z', bucket: '1m' });
    expect(fake.calls[0]?.url).toBe(
      'http://api.test/api/v1/stores/demo-blr-1/sales?from=2025-11-22T07%3A36%3A00.000Z&to=2025-11-22T08%3A36%3A00.000Z&bucket=1m',
    );
  });

  it('lists alerts with comma-separated filters and posts actions with the seq the user saw', async () => {
    const alert = { id: 'al/1', state: 'acknowledged' };
    const fake = fakeFetch((url) =>
      url.includes('/ack') || url.includes('/snooze') ? json(200, { alert, transition: { seq: 3 } }) : json(200, { alerts: [], nextCursor: null }),
    );
    const sut = createApiClient({ apiKey: 'k', fetch: fake.fetch });

    await sut.listAlerts({ storeId: 'demo-blr-1', states: ['pending', 'firing'], severities: [], limit: 500 });
    expect(fake.calls[0]?.url).toBe('/api/v1/alerts?storeId=demo-blr-1&state=pending%2Cfiring&limit=500');
    await expect(sut.actOnAlert('al/1', { kind: 'ack', seq: 2 })).resolves.toEqual({ alert, transition: { seq: 3 } });
    expect(fake.calls[1]).toMatchObject({ url: '/api/v1/alerts/al%2F1/ack', method: 'POST', body: { seq: 2 } });
    expect(fake.calls[1]?.headers.get('content-type')).toBe('application/json');
    await sut.actOnAlert('al/1', { kind: 'snooze', until: '2025-11-23T02:30:00.000Z' });
    expect(fake.calls[2]).toMatchObject({ url: '/api/v1/alerts/al%2F1/snooze', method: 'POST', body: { until: '2025-11-23T02:30:00.000Z' } });
  });

  it('turns a 409 on an action into a conflict the panel can explain', async () => {
    const fake = fakeFetch(() => json(409, { error: { code: 'conflict', message: 'alert a is already acknowledged' } }));
    const sut = createApiClient({ apiKey: 'k', fetch: fake.fetch });
    const error = await rejection(sut.actOnAlert('a', { kind: 'ack' }));
    expect([error.code, error.status, error.message]).toEqual(['conflict', 409, 'alert a is already acknowledged']);
  });

  it('throws the code and message from the error body', async () => {
    const fake = fakeFetch(() =>
      json(400, { error: { code: 'validation_failed', message: 'range too long', details: [{ path: ['to'] }] } }),
    );
    const sut = createApiClient({ apiKey: 'k', fetch: fake.fetch });

    const error = await rejection(sut.getSales('s', { from: 'a', to: 'b', bucket: '1h' }));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toBe('range too long');
    expect(error.status).toBe(400);
    expect(error.details).toEqual([{ path: ['to'] }]);
  });

  it('maps a 401 to unauthorized', async () => {
    const fake = fakeFetch(() => json(401, { error: { code: 'unauthorized', message: 'Unknown API key' } }));
    const error = await rejection(createApiClient({ apiKey: 'bad', fetch: fake.fetch }).listStores());
    expect(error.code).toBe('unauthorized');
    expect(error.message).toBe('Unknown API key');
  });

  it('reports network failures as unavailable with status 0', async () => {
    const sut = createApiClient({
      apiKey: 'k',
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    const error = await rejection(sut.listStores());
    expect(error.code).toBe('unavailable');
    expect(error.status).toBe(0);
  });

  it('rejects a success body of the wrong shape', async () => {
    const fake = fakeFetch(() => json(200, { items: [] }));
    const error = await rejection(createApiClient({ apiKey: 'k', fetch: fake.fetch }).listStores());
    expect(error.code).toBe('internal');
  });

  it('passes an abort through unchanged', async () => {
    const sut = createApiClient({
      apiKey: 'k',
      fetch: () => Promise.reject(new DOMException('aborted', 'AbortError')),
    });
    await expect(sut.listStores()).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('history, shelf and live endpoints', () => {
  it('builds the orders query from the defined filters only', async () => {
    const fake = fakeFetch(() => json(200, { orders: [], nextCursor: null }));
    const sut = createApiClient({ apiKey: 'k', fetch: fake.fetch });
    await sut.getOrders('s', { from: 'a', to: 'b', status: 'cancelled', channel: undefined, limit: 50, cursor: 'c1' });
    expect(fake.calls[0]?.url).toBe('/api/v1/stores/s/orders?from=a&to=b&status=cancelled&limit=50&cursor=c1');
  });

  it('asks for CSV with the key and returns the body as a Blob with the suggested file name', async () => {
    const fake = fakeFetch(
      () =>
        new Response('t,orders\n', {
          status: 200,
          headers: { 'content-type': 'text/csv', 'content-disposition': 'attachment; filename="s-sales-1m.csv"' },
        }),
    );
    const sut = createApiClient({ apiKey: 'k', fetch: fake.fetch });
    const csv = await sut.getSalesCsv('s', { from: 'a', to: 'b', bucket: '1m' });
    expect(fake.calls[0]?.url).toBe('/api/v1/stores/s/sales?from=a&to=b&bucket=1m&format=csv');
    expect(fake.calls[0]?.headers.get('authorization')).toBe('Bearer k');
    expect(csv.fileName).toBe('s-sales-1m.csv');
    expect(await csv.blob.text()).toBe('t,orders\n');
  });

  it('rejects a history body of the wrong shape', async () => {
    const fake = fakeFetch(() => json(200, { channel: [] }));
    const error = await rejection(createApiClient({ apiKey: 'k', fetch: fake.fetch }).getMix('s', { from: 'a', to: 'b' }));
    expect(error.code).toBe('internal');
  });

  it('puts the key in the live URL, with ws for http and wss for https', () => {
    expect(createApiClient({ apiKey: 'ssk 1', baseUrl: 'http://api.test:8080' }).liveUrl()).toBe(
      'ws://api.test:8080/api/v1/live?access_token=ssk+1',
    );
    expect(createApiClient({ apiKey: 'k', baseUrl: 'https://shelf.example' }).liveUrl()).toBe(
      'wss://shelf.example/api/v1/live?access_token=k',
    );
  });

  it('reads the file name from content-disposition', () => {
    expect(fileNameFromDisposition('attachment; filename="a.csv"')).toBe('a.csv');
    expect(fileNameFromDisposition('attachment')).toBeNull();
    expect(fileNameFromDisposition(null)).toBeNull();
  });
});

describe('errorFromResponse', () => {
  it('falls back to the status when the body is not JSON', async () => {
    const sut = await errorFromResponse(new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(sut.code).toBe('unavailable');
    expect(sut.message).toBe('The API answered 502 Bad Gateway.');
  });

  it('falls back to the status when the code is unknown', async () => {
    const sut = await errorFromResponse(json(403, { error: { code: 'nope', message: 'Store not allowed' } }));
    expect(sut.code).toBe('forbidden');
    expect(sut.message).toBe('Store not allowed');
  });

  it('uses internal for unmapped statuses', async () => {
    const sut = await errorFromResponse(json(500, { message: 'boom' }));
    expect(sut.code).toBe('internal');
  });
});
