// Row types of migration 0010-people (users, sessions, display tokens, login failures).
import type { ColumnType } from 'kysely';

type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: string;
  /** null for admins (every store). */
  store_ids: string[] | null;
  password_hash: string;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  disabled_at: Date | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  /** SHA-256 hex of the cookie's secret part. */
  token_hash: string;
  created_at: DefaultedTimestamp;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  last_seen_at: DefaultedTimestamp;
  revoked_at: Date | null;
}

export interface DisplayTokensTable {
  id: string;
  store_id: string;
  name: string;
  /** SHA-256 hex of the token's secret part. */
  token_hash: string;
  created_by: string;
  created_at: DefaultedTimestamp;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface LoginFailuresTable {
  subject: string;
  failures: number;
  window_started_at: ColumnType<Date, Date | string, Date | string>;
  locked_until: Date | null;
}
