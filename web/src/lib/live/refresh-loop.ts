export interface RefreshLoopOptions {
  /** One refresh. Should handle its own errors; anything it throws goes to `onError`. */
  readonly run: (signal: AbortSignal) => Promise<void>;
  readonly onError?: (error: unknown) => void;
  /** Delay until the next run once one settles, or null to wait for `request`. */
  readonly next: () => number | null;
  readonly now?: () => number;
}

export interface RefreshLoop {
  /**
   * Run within `delayMs`. An earlier pending run wins; a request during a run queues one more run
   * after it, so runs never overlap and a burst of requests costs at most one extra run.
   */
  request(delayMs: number): void;
  /** Start of the latest run, for throttling. */
  readonly lastStartMs: number | null;
  /** Aborts the run in flight and cancels the timer; nothing runs afterwards. */
  stop(): void;
}

export function createRefreshLoop(options: RefreshLoopOptions): RefreshLoop {
  const now = options.now ?? Date.now;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let dueAt = Number.POSITIVE_INFINITY;
  let running = false;
  let queued: number | null = null;
  let lastStartMs: number | null = null;

  async function fire(): Promise<void> {
    timer = undefined;
    dueAt = Number.POSITIVE_INFINITY;
    running = true;
    lastStartMs = now();
    try {
      await options.run(controller.signal);
    } catch (error) {
      // A failed run must not end the loop: the next one may succeed.
      if (!controller.signal.aborted) options.onError?.(error);
    } finally {
      running = false;
    }
    if (controller.signal.aborted) return;
    if (queued !== null) {
      const delay = queued;
      queued = null;
      request(delay);
    } else {
      const delay = options.next();
      if (delay !== null) request(delay);
    }
  }

  function request(delayMs: number): void {
    if (controller.signal.aborted) return;
    const delay = Math.max(0, delayMs);
    if (running) {
      queued = queued === null ? delay : Math.min(queued, delay);
      return;
    }
    const at = now() + delay;
    if (timer !== undefined && dueAt <= at) return;
    clearTimeout(timer);
    dueAt = at;
    timer = setTimeout(() => void fire(), delay);
  }

  return {
    request,
    get lastStartMs() {
      return lastStartMs;
    },
    stop() {
      controller.abort();
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
