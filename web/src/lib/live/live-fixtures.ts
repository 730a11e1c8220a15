import type { LiveSalesUpdate, LiveSnapshotPayload, LiveTotals, LiveUpdatePayload } from '@shelfsense/contracts/live';
import type { SocketLike } from './live-connection.ts';

/** Test double for the browser WebSocket: records what was sent, lets the test play the server. */
export class FakeSocket implements SocketLike {
  readyState = 0;
  readonly sent: unknown[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | null = null;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(code?: number, reason?: string): void {
    this.readyState = 3;
    this.closedWith = { code, reason };
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  receive(message: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: typeof message === 'string' ? message : JSON.stringify(message) }));
  }

  /** The server (or the network) closes the socket. */
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }
}

export function makeTotals(overrides: Partial<LiveTotals> = {}): LiveTotals {
  return { orders: 0, items: 0, net: 0, cancelledOrders: 0, refundedOrders: 0, ...overrides };
}

/** A `store:<id>:sales` update as the processors publish it. */
export function makeLiveSalesUpdate(overrides: Partial<LiveSalesUpdate> = {}): LiveSalesUpdate {
  return {
    v: 1,
    kind: 'sales',
    storeId: 'demo-blr-1',
    at: '2025-11-22T08:35:00.000Z',
    last15m: makeTotals(),
    last60m: makeTotals(),
    today: { ...makeTotals(), date: '2025-11-22' },
    topItems: [],
    corrections: [],
    ...overrides,
  };
}

/** A `store:<id>:sales` snapshot payload that only carries a tag, for tests of ordering (not of content). */
export const taggedSnapshot = (tag: string) => ({ kind: 'sales.snapshot', tag }) as unknown as LiveSnapshotPayload;
export const taggedUpdate = (tag: string) => ({ kind: 'sales', tag }) as unknown as LiveUpdatePayload;
/** The tag of a delivery made of `taggedSnapshot` / `taggedUpdate`. */
export const tagOf = (delivery: { readonly data: unknown }): string => (delivery.data as { tag: string }).tag;
