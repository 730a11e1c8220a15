// A Map-backed SeriesDayCache for the series-days tests: keeps every day and counts what is
// stored (`sets`, a day rendered) and what is reused (`hits`).
import type { SeriesDayCache } from '../src/index.ts';

export function countingDayCache(): SeriesDayCache & { sets: number; hits: number; size: () => number } {
  const map = new Map<string, { version: string; json: string }>();
  return {
    sets: 0,
    hits: 0,
    get(k, version) {
      const kept = map.get(k);
      if (kept?.version !== version) return undefined;
      this.hits++;
      return kept.json;
    },
    set(k, version, json) {
      this.sets++;
      map.set(k, { version, json });
    },
    size: () => map.size,
  };
}
