import { describe, expect, it } from 'vitest';
import { taggedSnapshot, taggedUpdate } from './live-fixtures.ts';
import { acceptSnapshot, acceptUpdate, AWAITING_SNAPSHOT, type SequenceState } from './channel-sequence.ts';

const live = (lastSeq: number): SequenceState => ({ phase: 'live', lastSeq });

describe('channel sequence', () => {
  it('applies the snapshot, then updates in order', () => {
    const snap = acceptSnapshot(AWAITING_SNAPSHOT, taggedSnapshot('S'));
    expect(snap.deliver).toEqual([{ kind: 'snapshot', data: taggedSnapshot('S') }]);
    const one = acceptUpdate(snap.state, 1, taggedUpdate('u1'));
    expect(one.deliver).toEqual([{ kind: 'update', seq: 1, data: taggedUpdate('u1') }]);
    expect(one.state).toEqual(live(1));
    expect(acceptUpdate(one.state, 2, taggedUpdate('u2')).state).toEqual(live(2));
  });

  it('reports a gap when an update is skipped and waits for a new snapshot', () => {
    const sut = acceptUpdate(live(3), 5, taggedUpdate('u5'));
    expect(sut.gap).toBe(true);
    expect(sut.deliver).toEqual([]);
    expect(sut.state).toEqual(AWAITING_SNAPSHOT);
  });

  it('drops repeats of updates already applied', () => {
    const sut = acceptUpdate(live(3), 2, taggedUpdate('old'));
    expect(sut).toEqual({ state: live(3), deliver: [], gap: false });
  });

  it('holds updates that beat the snapshot and applies them right after it', () => {
    let state = acceptUpdate(AWAITING_SNAPSHOT, 1, taggedUpdate('u1')).state;
    state = acceptUpdate(state, 2, taggedUpdate('u2')).state;
    const sut = acceptSnapshot(state, taggedSnapshot('S'));
    expect(sut.deliver.map((d) => d.kind)).toEqual(['snapshot', 'update', 'update']);
    expect(sut.state).toEqual(live(2));
  });

  it('after a resubscribe, drops updates still numbered from before it', () => {
    // In flight from the old numbering (…8, 9), then the server restarted the channel at 1.
    let state: SequenceState = AWAITING_SNAPSHOT;
    for (const [seq, data] of [
      [8, 'old8'],
      [9, 'old9'],
      [1, 'new1'],
    ] as const)
      state = acceptUpdate(state, seq, taggedUpdate(data)).state;
    const sut = acceptSnapshot(state, taggedSnapshot('S'));
    expect(sut.deliver).toEqual([
      { kind: 'snapshot', data: taggedSnapshot('S') },
      { kind: 'update', seq: 1, data: taggedUpdate('new1') },
    ]);
    expect(sut.state).toEqual(live(1));
  });

  it('a snapshot while live starts the numbering again', () => {
    const sut = acceptSnapshot(live(40), taggedSnapshot('S'));
    expect(sut.state).toEqual(live(0));
    expect(acceptUpdate(sut.state, 1, taggedUpdate('u')).gap).toBe(false);
  });
});
