import { toApiError, type ApiError } from '../api/api-error.ts';
import { signOut, type UnauthorizedOption } from '../api/session.ts';
import { startPolling } from './poll.ts';

export interface Polled<T> {
  /** Latest result; kept while a new query loads, so panels do not flash empty. */
  readonly value: T | null;
  readonly error: ApiError | null;
  /** A query is in flight and nothing has answered it yet. */
  readonly loading: boolean;
  /** Runs the query again now. */
  refresh(): void;
}

/**
 * A REST read for a panel: `query()` is read inside an effect and returns the fetch to run, so the
 * reactive values it reads (range, filters) rerun it; with `intervalMs` it also repeats. Aborted and
 * silenced when the component goes away. A 401 signs out, like the feeds.
 */
export function polled<T>(
  query: () => (signal: AbortSignal) => Promise<T>,
  intervalMs: number | null = null,
  options: UnauthorizedOption = {},
): Polled<T> {
  const unauthorized = options.onUnauthorized ?? (() => void signOut(window.location));
  let value = $state.raw<T | null>(null);
  let error = $state.raw<ApiError | null>(null);
  let loading = $state(true);
  let generation = $state(0);

  $effect(() => {
    void generation;
    const task = query();
    loading = true;
    const onResult = (result: T) => {
      value = result;
      error = null;
      loading = false;
    };
    const onError = (cause: unknown) => {
      error = toApiError(cause);
      loading = false;
      if (error.code === 'unauthorized') unauthorized();
    };
    if (intervalMs !== null) return startPolling<T>({ intervalMs, task, onResult, onError });

    const controller = new AbortController();
    task(controller.signal).then(
      (result) => {
        if (!controller.signal.aborted) onResult(result);
      },
      (cause: unknown) => {
        if (!controller.signal.aborted) onError(cause);
      },
    );
    return () => controller.abort();
  });

  return {
    get value() {
      return value;
    },
    get error() {
      return error;
    },
    get loading() {
      return loading;
    },
    refresh() {
      generation += 1;
    },
  };
}
