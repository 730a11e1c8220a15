export type Unsubscribe = () => void;

export interface PollOptions<T> {
  /** Pause between the end of one run and the start of the next; runs never overlap. */
  readonly intervalMs: number;
  readonly task: (signal: AbortSignal) => Promise<T>;
  readonly onResult: (value: T) => void;
  readonly onError: (error: unknown) => void;
}

/**
 * Runs `task` now and again `intervalMs` after each run settles, until the returned function is
 * called. Stopping aborts the run in flight and cancels the pending timer, and no callback fires
 * afterwards, so a page that navigates away leaves nothing behind.
 */
export function startPolling<T>(options: PollOptions<T>): Unsubscribe {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const run = async (): Promise<void> => {
    try {
      const value = await options.task(controller.signal);
      if (!controller.signal.aborted) options.onResult(value);
    } catch (error) {
      // After stop() the abort rejection is expected and nobody is listening any more.
      if (!controller.signal.aborted) options.onError(error);
    }
    if (!controller.signal.aborted) timer = setTimeout(() => void run(), options.intervalMs);
  };

  void run();
  return () => {
    controller.abort();
    if (timer !== undefined) clearTimeout(timer);
  };
}
