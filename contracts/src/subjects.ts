import { SYSTEM_SCOPE, TokenId } from './lib/primitives.ts';

/** Validates a subject token so a stray `.` or `*` can never widen a subject. */
function token(value: string, what: string): string {
  if (!TokenId.safeParse(value).success) throw new Error(`invalid ${what} for a NATS subject: ${JSON.stringify(value)}`);
  return value;
}

/** A store id or the system scope (alerts only: system alerts have no store). */
const alertScope = (value: string): string => (value === SYSTEM_SCOPE ? value : token(value, 'store id'));

/** Queue group of the processors answering `subjects.alertBacktest`: one replica answers each request. */
export const BACKTEST_QUEUE_GROUP = 'alert-backtest';

export const LIVE_TOPICS = ['sales', 'shelf', 'alerts'] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];

/** The only place NATS subjects are spelled out (docs/architecture.md §3). */
export const subjects = {
  posOrder: (storeId: string) => `retail.${token(storeId, 'store id')}.pos.order`,
  shelf: (storeId: string, cameraId: string) => `retail.${token(storeId, 'store id')}.shelf.${token(cameraId, 'camera id')}`,
  health: (storeId: string, agentOrCameraId: string) =>
    `retail.${token(storeId, 'store id')}.health.${token(agentOrCameraId, 'agent or camera id')}`,
  alert: (storeId: string, ruleId: string) => `alerts.${alertScope(storeId)}.${token(ruleId, 'rule id')}`,
  notify: (channel: string) => `notify.${token(channel, 'channel')}`,
  live: (storeId: string, topic: LiveTopic) => `live.${topic === 'alerts' ? alertScope(storeId) : token(storeId, 'store id')}.${topic}`,
  /** Everything one store publishes (its leaf node's EDGE stream). */
  storeAll: (storeId: string) => `retail.${token(storeId, 'store id')}.>`,
  /**
   * Alert-rule backtests, core NATS request/reply (api → one processor of the queue group). Not
   * under `alerts.` on purpose: the ALERTS stream stores everything there.
   */
  alertBacktest: 'rpc.alerts.backtest',
  /** Dead letter for a message that arrived on `original`. */
  deadLetter: (original: string) => `dlq.${original}`,

  /** Wildcards for stream and consumer filters; `storeId` may be `*`. */
  wildcard: {
    posOrders: 'retail.*.pos.order',
    shelf: 'retail.*.shelf.*',
    health: 'retail.*.health.*',
    shelfOf: (storeId: string) => `retail.${token(storeId, 'store id')}.shelf.*`,
    healthOf: (storeId: string) => `retail.${token(storeId, 'store id')}.health.*`,
    alerts: 'alerts.>',
    notify: 'notify.>',
    deadLetters: 'dlq.>',
    live: (storeId: string, topic: LiveTopic | '*') =>
      `live.${storeId === '*' ? '*' : token(storeId, 'store id')}.${topic}`,
  },
} as const;

/** Splits `retail.<store>.…` back into its store id; `undefined` for any other shape. */
export function storeIdOfSubject(subject: string): string | undefined {
  const [root, storeId] = subject.split('.');
  return (root === 'retail' || root === 'alerts' || root === 'live') && storeId !== undefined ? storeId : undefined;
}
