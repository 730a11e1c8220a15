import { activeApiKeyIds, activeDisplayTokenIds, activeSessionIds, type Db } from '@shelfsense/db';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.ts';

interface Watched {
  readonly principal: Principal;
  readonly onRevoked: () => void;
}

/**
 * Ends live connections whose credential stopped being valid (key or display token revoked,
 * session signed out, expired, or its user disabled). A WebSocket is authenticated once, at the
 * upgrade; this re-checks every open connection's credential every `intervalMs` with one query
 * per kind of credential, however many connections there are.
 */
export function createCredentialWatch(db: Db, log: Logger, intervalMs: number) {
  const watched = new Set<Watched>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  async function check(): Promise<void> {
    if (running) return;
    running = true;
    try {
      const ids = { key: new Set<string>(), user: new Set<string>(), display: new Set<string>() };
      for (const { principal: p } of watched) ids[p.kind].add(credentialId(p));
      const [keys, sessions, displays] = await Promise.all([
        activeApiKeyIds(db, [...ids.key]),
        activeSessionIds(db, [...ids.user]),
        activeDisplayTokenIds(db, [...ids.display]),
      ]);
      const active = { key: keys, user: sessions, display: displays };
      for (const w of [...watched]) {
        if (active[w.principal.kind].has(credentialId(w.principal))) continue;
        watched.delete(w);
        w.onRevoked();
      }
    } catch (err) {
      // The database being away is not a revocation: try again next round.
      log.warn({ err }, 'live credential re-check failed');
    } finally {
      running = false;
      if (watched.size === 0) stop();
    }
  }

  function stop(): void {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  }

  return {
    /** Calls `onRevoked` once when the principal's credential is no longer valid; returns the unwatch. */
    watch(principal: Principal, onRevoked: () => void): () => void {
      const w = { principal, onRevoked };
      watched.add(w);
      timer ??= setInterval(() => void check(), intervalMs).unref();
      return () => {
        watched.delete(w);
        if (watched.size === 0) stop();
      };
    },
    close(): void {
      watched.clear();
      stop();
    },
  };
}
export type CredentialWatch = ReturnType<typeof createCredentialWatch>;

function credentialId(p: Principal): string {
  switch (p.kind) {
    case 'key':
      return p.keyId;
    case 'user':
      return p.sessionId;
    case 'display':
      return p.tokenId;
  }
}
