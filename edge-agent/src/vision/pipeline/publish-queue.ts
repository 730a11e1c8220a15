import type { Logger } from 'pino';
import { sleep } from '../camera/frame-source.ts';

export interface PublishQueueOptions {
  /** Items waiting (plus the one in flight) before the oldest waiting one is dropped. */
  readonly maxBacklog: number;
  /** Tries per item; retries are safe because every event carries its Nats-Msg-Id. */
  readonly attempts: number;
  /** Wait before the first retry, doubled per retry (default 250 ms). */
  readonly retryDelayMs?: number;
  readonly log: Logger;
}

interface Item {
  readonly label: string;
  readonly send: () => Promise<unknown>;
}

/**
 * Serial, bounded hand-off from the camera loops to JetStream, so a slow or unreachable server
 * never stalls analysis: the loops enqueue and move on; `backlog` is what heartbeats report.
 * When full, the oldest waiting event is dropped: a newer observation or heartbeat supersedes it.
 */
export class PublishQueue {
  readonly #opts: PublishQueueOptions;
  readonly #items: Item[] = [];
  readonly #closed = new AbortController();
  #inFlight = false;
  #idle: Promise<void> = Promise.resolve();
  sent = 0;
  errors = 0;
  dropped = 0;

  constructor(opts: PublishQueueOptions) {
    this.#opts = opts;
  }

  get backlog(): number {
    return this.#items.length + (this.#inFlight ? 1 : 0);
  }

  enqueue(label: string, send: () => Promise<unknown>): void {
    if (this.#closed.signal.aborted) {
      this.dropped++;
      return;
    }
    this.#items.push({ label, send });
    while (this.backlog > this.#opts.maxBacklog && this.#items.length > 0) {
      const old = this.#items.shift()!;
      this.dropped++;
      this.#opts.log.warn({ event: old.label, backlog: this.backlog }, 'publish backlog full; dropped the oldest event');
    }
    if (!this.#inFlight) this.#idle = this.#run();
  }

  async #run(): Promise<void> {
    this.#inFlight = true;
    try {
      for (let item = this.#items.shift(); item !== undefined; item = this.#items.shift()) {
        await this.#deliver(item);
      }
    } finally {
      this.#inFlight = false;
    }
  }

  async #deliver(item: Item): Promise<void> {
    const delay = this.#opts.retryDelayMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      try {
        await item.send();
        this.sent++;
        return;
      } catch (err) {
        if (attempt >= this.#opts.attempts || this.#closed.signal.aborted) {
          this.errors++;
          this.#opts.log.warn({ err, event: item.label, attempts: attempt }, 'event not published');
          return;
        }
        if (!(await sleep(delay * 2 ** (attempt - 1), this.#closed.signal))) {
          this.errors++;
          return;
        }
      }
    }
  }

  /** Waits until everything queued so far is sent (or given up), at most `timeoutMs`. True if empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.backlog > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#idle, new Promise<void>((r) => (timer = setTimeout(r, Math.max(1, deadline - Date.now()))))]);
      clearTimeout(timer);
    }
    return this.backlog === 0;
  }

  /** Stops retrying; later enqueues are dropped. Items still waiting are dropped and counted. */
  close(): void {
    this.#closed.abort();
    this.dropped += this.#items.length;
    this.#items.length = 0;
  }
}
