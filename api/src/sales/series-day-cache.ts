import type { SeriesDayCache } from '@shelfsense/db';
import { LRUCache } from 'lru-cache';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The api's store of rendered series days (`getSalesSeriesJsonByDay`): least recently used days go
 * first once their text passes `maxBytes`. A day is served only while its rollup rows carry the
 * version it was rendered at, so the bound is about memory, never freshness. Hits and misses (a day
 * rendered: new, evicted, or changed by a write) are counted for /metrics.
 */
export function createSeriesDayCache(maxBytes: number, registry: Registry): SeriesDayCache {
  const days = new LRUCache<string, { version: string; json: string }>({
    maxSize: maxBytes,
    // UTF-16 code units: the bucket text is ASCII, kept by V8 as one byte per character, so this is its size.
    sizeCalculation: (v, k) => v.json.length + v.version.length + k.length + 64,
    // Versions are 32-bit transaction ids: one could only come back after billions of transactions,
    // but no day is kept longer than a day anyway.
    ttl: 24 * 3_600_000,
    ttlAutopurge: false,
  });
  const lookups = new Counter({
    name: 'shelfsense_api_series_days_total',
    help: 'Store series days a long sales series needed, by whether the rendered day could be reused (hit) or was rendered (miss)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'shelfsense_api_series_days_cached_bytes',
    help: 'Size of the rendered series days the api keeps (bounded by SERIES_CACHE_MB)',
    registers: [registry],
    collect() {
      this.set(days.calculatedSize);
    },
  });
  return {
    get(key, version) {
      const kept = days.get(key);
      if (kept?.version !== version) return undefined;
      lookups.inc({ result: 'hit' });
      return kept.json;
    },
    set(key, version, json) {
      lookups.inc({ result: 'miss' });
      days.set(key, { version, json });
    },
  };
}
