import { describe, expect, it } from 'vitest';
import { makeAlert, makeAlertUpdate, tracked } from './alert-fixtures.ts';
import {
  applyAlert,
  boardFromRest,
  compareAlerts,
  countOpen,
  EMPTY_BOARD,
  boardFromSnapshot,
  trackedFromUpdate,
  wallAlerts,
} from './alert-board.ts';

const ids = (alerts: readonly { id: string }[]) => alerts.map((a) => a.id);

describe('compareAlerts', () => {
  it('puts firing first, then pending, acknowledged and resolved; most severe, then newest within each', () => {
    const alerts = [
      makeAlert({ id: 'resolved', state: 'resolved', severity: 'critical', resolvedAt: '2025-11-22T09:00:00.000Z' }),
      makeAlert({ id: 'acked-critical', state: 'acknowledged', severity: 'critical' }),
      makeAlert({ id: 'pending', state: 'pending', severity: 'critical' }),
      makeAlert({ id: 'firing-info', state: 'firing', severity: 'info' }),
      makeAlert({ id: 'firing-warning-old', startedAt: '2025-11-22T07:00:00.000Z' }),
      makeAlert({ id: 'firing-warning-new', startedAt: '2025-11-22T08:20:00.000Z' }),
      makeAlert({ id: 'firing-critical', severity: 'critical' }),
    ];
    expect(ids([...alerts].sort(compareAlerts))).toEqual([
      'firing-critical',
      'firing-warning-new',
      'firing-warning-old',
      'firing-info',
      'pending',
      'acked-critical',
      'resolved',
    ]);
  });
});

describe('boardFromSnapshot / trackedFromUpdate', () => {
  it('takes the open alerts with their seq in list order', () => {
    const board = boardFromSnapshot({
      v: 1,
      kind: 'alerts.snapshot',
      alerts: [
        { ...makeAlert({ id: 'a', state: 'acknowledged' }), seq: 2 },
        { ...makeAlert({ id: 'b' }), seq: 1 },
        { ...makeAlert({ id: 'gone', state: 'resolved' }), seq: 3 },
      ],
      truncated: true,
    });
    expect(board).toEqual({
      open: [tracked(1, { id: 'b' }), tracked(2, { id: 'a', state: 'acknowledged' })],
      resolved: [],
      truncated: true,
    });
  });

  it('numbers an update with its transition seq', () => {
    expect(trackedFromUpdate(makeAlertUpdate(3, { state: 'acknowledged' }))).toEqual(tracked(3, { state: 'acknowledged' }));
  });
});

describe('applyAlert', () => {
  it('adds a new alert in order and replaces an older version of a shown one', () => {
    let board = applyAlert(null, tracked(1, { id: 'a', severity: 'info' }));
    board = applyAlert(board, tracked(1, { id: 'b', severity: 'critical' }));
    expect(ids(board.open)).toEqual(['b', 'a']);
    board = applyAlert(board, tracked(2, { id: 'b', state: 'acknowledged', acknowledgedBy: 'ops (key k1)' }));
    expect(ids(board.open)).toEqual(['a', 'b']);
    expect(board.open[1]).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'ops (key k1)', seq: 2 });
  });

  it('ignores a version not newer than the one shown (an update that raced the snapshot, an echo of an action)', () => {
    const board = applyAlert(EMPTY_BOARD, tracked(3, { id: 'a', state: 'acknowledged' }));
    expect(applyAlert(board, tracked(2, { id: 'a', state: 'firing' }))).toBe(board);
    expect(applyAlert(board, tracked(3, { id: 'a', state: 'firing' }))).toBe(board);
  });

  it('takes any live version over one that came over REST without a seq', () => {
    const board = boardFromRest([makeAlert({ id: 'a' })], false);
    expect(applyAlert(board, tracked(1, { id: 'a', state: 'acknowledged' })).open[0]).toMatchObject({
      state: 'acknowledged',
      seq: 1,
    });
  });

  it('moves a resolved alert to the resolved list for good', () => {
    let board = applyAlert(EMPTY_BOARD, tracked(1, { id: 'a' }));
    board = applyAlert(board, tracked(2, { id: 'a', state: 'resolved', resolvedAt: '2025-11-22T09:00:00.000Z' }));
    expect(board.open).toEqual([]);
    expect(ids(board.resolved)).toEqual(['a']);
    // A late open version of it changes nothing.
    expect(applyAlert(board, tracked(5, { id: 'a', state: 'firing' }))).toBe(board);
  });
});

describe('boardFromRest', () => {
  it('keeps open alerts only, with seq 0, and says when the page was not the last', () => {
    const board = boardFromRest([makeAlert({ id: 'a' }), makeAlert({ id: 'r', state: 'resolved' })], true);
    expect(board).toEqual({ open: [tracked(0, { id: 'a' })], resolved: [], truncated: true });
  });
});

describe('countOpen', () => {
  it("counts a store's open alerts by state and names the worst firing severity", () => {
    const alerts = [
      makeAlert({ id: '1', severity: 'warning' }),
      makeAlert({ id: '2', severity: 'critical', state: 'acknowledged' }),
      makeAlert({ id: '3', severity: 'info', state: 'pending' }),
      makeAlert({ id: '4', severity: 'critical', storeId: 'other' }),
      makeAlert({ id: '5', state: 'resolved' }),
    ];
    expect(countOpen(alerts, 'demo-blr-1')).toEqual({ open: 3, firing: 1, acknowledged: 1, pending: 1, worstFiring: 'warning' });
    expect(countOpen(alerts).worstFiring).toBe('critical');
    expect(countOpen([], 'x')).toEqual({ open: 0, firing: 0, acknowledged: 0, pending: 0, worstFiring: null });
  });
});

describe('wallAlerts', () => {
  it('shows fired critical alerts (acknowledged too) and firing warnings, never pending or info', () => {
    const alerts = [
      makeAlert({ id: 'crit-acked', severity: 'critical', state: 'acknowledged' }),
      makeAlert({ id: 'crit-pending', severity: 'critical', state: 'pending' }),
      makeAlert({ id: 'warn-firing' }),
      makeAlert({ id: 'warn-acked', state: 'acknowledged' }),
      makeAlert({ id: 'info-firing', severity: 'info' }),
      makeAlert({ id: 'crit-firing', severity: 'critical' }),
    ];
    expect(ids(wallAlerts(alerts))).toEqual(['crit-firing', 'warn-firing', 'crit-acked']);
  });
});
