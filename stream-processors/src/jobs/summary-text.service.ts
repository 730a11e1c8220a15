import type { PeriodFigures } from '@shelfsense/db';

const money = (x: number) => x.toFixed(2);
const pct = (x: number) => `${(Math.round(x * 1000) / 10).toFixed(1)}%`;

function change(now: number, before: number): string {
  if (before === 0) return now === 0 ? '±0%' : 'new';
  const c = (now - before) / before;
  return `${c >= 0 ? '+' : ''}${pct(c)}`;
}

/** The lines every summary has for one store (or the fleet's totals) against the same period earlier. */
export function figureLines(now: PeriodFigures, before: PeriodFigures, beforeLabel: string): string[] {
  return [
    `Sales: ${now.orders} orders, net ${money(now.net)} (${beforeLabel}: ${before.orders} orders, net ${money(before.net)}; ${change(now.net, before.net)})`,
    `On-shelf availability: ${now.onShelfAvailability === null ? 'no camera data' : pct(now.onShelfAvailability)}`,
    `Alerts fired: ${now.alertsFired}`,
    `Orders with data-quality issues: ${now.ordersWithIssues}`,
  ];
}

/** Figures of several stores added up; availability weighted by observed time is not kept per store, so it is the mean. */
export function addFigures(all: readonly PeriodFigures[], template: Pick<PeriodFigures, 'storeId' | 'from' | 'to'>): PeriodFigures {
  const seen = all.flatMap((f) => (f.onShelfAvailability === null ? [] : [f.onShelfAvailability]));
  return {
    ...template,
    orders: all.reduce((s, f) => s + f.orders, 0),
    net: Math.round(all.reduce((s, f) => s + f.net, 0) * 100) / 100,
    onShelfAvailability: seen.length === 0 ? null : seen.reduce((s, x) => s + x, 0) / seen.length,
    alertsFired: all.reduce((s, f) => s + f.alertsFired, 0),
    ordersWithIssues: all.reduce((s, f) => s + f.ordersWithIssues, 0),
  };
}

/** `summary:<scope>:<date>:<channel>`: one logical summary per channel, whichever replica sends it. */
export const summaryNotificationId = (scope: string, date: string, channelId: string) => `summary:${scope}:${date}:${channelId}`;
