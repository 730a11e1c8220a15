import type { Frame, FrameSource } from './frame-source.ts';

export interface NewestFrameHooks {
  /** Every frame the camera delivered. */
  readonly onFrame?: (frame: Frame) => void;
  /** A frame replaced by a newer one before the consumer took it. */
  readonly onDrop?: (frame: Frame) => void;
}

/**
 * Decouples a camera from a slower consumer: the camera is read continuously into a
 * one-frame slot and the consumer always gets the newest frame; frames it could not keep up with
 * are dropped (and reported), never queued. Ending the consumer stops the camera and waits for it
 * to release its resources.
 */
export function newestFrameWins(source: FrameSource, hooks: NewestFrameHooks = {}): FrameSource {
  return async function* newestFrame(signal) {
    const stop = new AbortController();
    const inner = AbortSignal.any([signal, stop.signal]);
    let slot: Frame | undefined;
    let finished = false;
    let failure: { error: unknown } | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const onAbort = () => notify();
    signal.addEventListener('abort', onAbort);

    const pump = (async () => {
      try {
        for await (const frame of source(inner)) {
          hooks.onFrame?.(frame);
          if (slot !== undefined) hooks.onDrop?.(slot);
          slot = frame;
          notify();
        }
      } catch (error) {
        failure = { error };
      } finally {
        finished = true;
        notify();
      }
    })();

    try {
      for (;;) {
        if (signal.aborted) return;
        if (slot !== undefined) {
          const frame = slot;
          slot = undefined;
          yield frame;
          continue;
        }
        if (finished) {
          if (failure !== undefined) throw failure.error;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      stop.abort();
      await pump;
    }
  };
}
