import type { LiveSnapshotPayload, LiveUpdatePayload } from '@shelfsense/contracts/live';

/** What a channel's listeners receive, in order; the payloads name themselves with `kind`. */
export type ChannelDelivery =
  | { readonly kind: 'snapshot'; readonly data: LiveSnapshotPayload }
  | { readonly kind: 'update'; readonly seq: number; readonly data: LiveUpdatePayload };

interface Buffered {
  readonly seq: number;
  readonly data: LiveUpdatePayload;
}

/**
 * Per-channel sequence state. `awaiting`: subscribe was sent and the snapshot (seq 0) has not come
 * yet. `live`: the snapshot came; `lastSeq` is the last update applied.
 */
export type SequenceState =
  { readonly phase: 'awaiting'; readonly buffered: readonly Buffered[] } | { readonly phase: 'live'; readonly lastSeq: number };

export interface SequenceStep {
  readonly state: SequenceState;
  readonly deliver: readonly ChannelDelivery[];
  /** An update was skipped: resubscribe to get a fresh snapshot. */
  readonly gap: boolean;
}

export const AWAITING_SNAPSHOT: SequenceState = { phase: 'awaiting', buffered: [] };

/** Updates kept while waiting for a snapshot; more would mean the snapshot is not coming. */
const MAX_BUFFERED = 200;

/**
 * The server registers a subscriber before it reads the snapshot, so updates (seq 1, 2, …) can
 * arrive before the snapshot. They are newer than or as new as it and are applied right after it.
 * Updates still in flight from before a resubscribe carry the old numbering; they are older than
 * the new snapshot, so only the run that starts at the last seq 1 is kept.
 */
export function acceptSnapshot(state: SequenceState, data: LiveSnapshotPayload): SequenceStep {
  const buffered = state.phase === 'awaiting' ? state.buffered : [];
  const start = buffered.findLastIndex((u) => u.seq === 1);
  const run: Buffered[] = [];
  if (start !== -1) {
    for (const u of buffered.slice(start)) {
      if (u.seq !== run.length + 1) break;
      run.push(u);
    }
  }
  return {
    state: { phase: 'live', lastSeq: run.length },
    deliver: [{ kind: 'snapshot', data }, ...run.map((u) => ({ kind: 'update' as const, seq: u.seq, data: u.data }))],
    gap: false,
  };
}

export function acceptUpdate(state: SequenceState, seq: number, data: LiveUpdatePayload): SequenceStep {
  if (state.phase === 'awaiting') {
    const buffered = [...state.buffered, { seq, data }].slice(-MAX_BUFFERED);
    return { state: { phase: 'awaiting', buffered }, deliver: [], gap: false };
  }
  if (seq === state.lastSeq + 1) {
    return { state: { phase: 'live', lastSeq: seq }, deliver: [{ kind: 'update', seq, data }], gap: false };
  }
  // A repeat of something already applied: harmless, drop it.
  if (seq <= state.lastSeq) return { state, deliver: [], gap: false };
  return { state: AWAITING_SNAPSHOT, deliver: [], gap: true };
}
