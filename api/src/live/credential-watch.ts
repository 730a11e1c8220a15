import { activeApiKeys, activeDisplayTokenIds, activeSessions, type Db } from '@shelfsense/db';
import type { Logger } from 'pino';
import { permissionsOf, type Principal } from '../auth/principal.ts';

/** What a watched connection is told. */
export interface CredentialEvents {
  /** The credential is no longer valid, or no longer allows reading live updates: close the connection. */
  readonly onRevoked: () => void;
  /** The credential is still valid but its stores (or role, or scopes) changed: `principal` is how it is now. */
  readonly onChanged: (principal: Principal) => void;
}

interface Watched {
  principal: Principal;
  readonly events: CredentialEvents;
}

/**
 * Keeps live connections in step with their credential. A WebSocket is authenticated once, at the
 * upgrade; this re-checks every open connection's credential every `intervalMs` with one query per
 * kind of credential, however many connections there are. A revoked key or display token, an ended
 * session or a disabled user — or a key or user that no longer has the `read` permission — ends
 * the connection (`onRevoked`). A key whose scopes or stores changed, or a user whose role or stores
 * changed, keeps it with the new principal (`onChanged`): the connection drops the channels it may
 * no longer read and filters fleet-wide ones by the new store list.
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
        activeApiKeys(db, [...ids.key]),
        activeSessions(db, [...ids.user]),
        activeDisplayTokenIds(db, [...ids.display]),
      ]);
      for (const w of [...watched]) {
        // Unwatched (connection closed) while the queries ran.
        if (!watched.has(w)) continue;
        const now = current(w.principal, keys, sessions, displays);
        if (now === null || !permissionsOf(now).includes('read')) {
          watched.delete(w);
          w.events.onRevoked();
        } else if (now !== w.principal) {
          w.principal = now;
          w.events.onChanged(now);
        }
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
    /** Tells `events` about the principal's credential from now on (see above); returns the unwatch. */
    watch(principal: Principal, events: CredentialEvents): () => void {
      const w: Watched = { principal, events };
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

/**
 * The principal as the database says it is now: null when its credential is gone, the same object
 * when nothing that matters to live connections changed, a new one when its stores, scopes or role did.
 */
function current(
  p: Principal,
  keys: Awaited<ReturnType<typeof activeApiKeys>>,
  sessions: Awaited<ReturnType<typeof activeSessions>>,
  displays: ReadonlySet<string>,
): Principal | null {
  switch (p.kind) {
    case 'key': {
      const k = keys.get(p.keyId);
      if (k === undefined) return null;
      return sameList(k.scopes, p.scopes) && sameList(k.storeIds, p.storeIds) ? p : { ...p, scopes: k.scopes, storeIds: k.storeIds };
    }
    case 'user': {
      const s = sessions.get(p.sessionId);
      if (s === undefined) return null;
      return s.role === p.role && sameList(s.storeIds, p.storeIds) ? p : { ...p, role: s.role, storeIds: s.storeIds };
    }
    case 'display':
      // A display token's store is fixed when it is made.
      return displays.has(p.tokenId) ? p : null;
  }
}

/** Same members, order aside; null (every store) equals only null. */
function sameList(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((x) => set.has(x));
}
