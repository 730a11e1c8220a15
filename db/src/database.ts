import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { DisplayTokensTable, LoginFailuresTable, SessionsTable, UsersTable } from './people.tables.ts';

/** Timestamps come back as Date and go in as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** numeric columns: pg parses them to number (see create-db.ts); writes accept number or string. */
type Numeric = ColumnType<number, number | string, number | string>;
type DefaultedNumeric = ColumnType<number, number | string | undefined, number | string>;
type Json<T> = ColumnType<T, string, string>;

export interface StoresTable {
  id: string;
  name: string;
  timezone: string;
  created_at: DefaultedTimestamp;
  /** contracts `OpeningHours`; NULL = always open. */
  opening_hours: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface CamerasTable {
  store_id: string;
  id: string;
  name: string;
  created_at: DefaultedTimestamp;
}

export interface ZonesTable {
  store_id: string;
  camera_id: string;
  id: string;
  sku: string;
  expected_facings: number;
  /** Normalized polygon `[[x, y], ...]` in 0–1 image coordinates. */
  polygon: Json<[number, number][]>;
}

export interface ProductsTable {
  store_id: string;
  sku: string;
  name: string;
  category: string | null;
  last_price: Numeric | null;
  updated_at: DefaultedTimestamp;
  /** Set by an API edit: observed orders then only update last_price/last_seen_at. */
  edited: ColumnType<boolean, boolean | undefined, boolean>;
  last_seen_at: Date | null;
}

export interface OrdersTable {
  store_id: string;
  order_id: string;
  revision: number;
  /** Order creation time (event time); the hypertable's time column. */
  created_at: Timestamp;
  status: 'completed' | 'cancelled' | 'refunded';
  channel: 'dine_in' | 'takeaway' | 'delivery' | 'online';
  source: string;
  payment_type: string;
  currency: string;
  pos_location_id: string | null;
  gross: Numeric;
  tax: Numeric;
  discount: Numeric;
  delivery: Numeric;
  packaging: Numeric;
  service: Numeric;
  round_off: Numeric;
  net: Numeric;
  items: Numeric;
  customer_key: string | null;
  quality: Json<{ code: string; message: string }[]>;
  taxes: Json<{ name: string; rate?: number | undefined; amount: number }[]>;
  discounts: Json<{ name: string; type?: string | undefined; rate?: number | undefined; amount: number }[]>;
  event_id: string;
  received_at: DefaultedTimestamp;
}

export interface OrderLinesTable {
  store_id: string;
  order_id: string;
  revision: number;
  line_no: number;
  created_at: Timestamp;
  sku: string;
  name: string;
  category: string | null;
  quantity: Numeric;
  unit_price: Numeric;
  total: Numeric;
  tax: Numeric;
  discount: Numeric;
  add_ons: Json<{ name: string; sku?: string | undefined; quantity: number; price: number }[]>;
}

/** The revision of each order that currently counts in the rollups; its row lock serializes revisions. */
export interface OrderHeadsTable {
  store_id: string;
  order_id: string;
  revision: number;
}

export interface ShelfObservationsTable {
  store_id: string;
  camera_id: string;
  zone_id: string;
  frame_at: Timestamp;
  sku: string;
  expected_facings: number;
  detected_facings: number;
  product_count: number;
  gap_count: number;
  fill_ratio: number;
  state: 'ok' | 'low' | 'empty';
  keep_alive: boolean;
  model_id: string;
  event_id: string;
}

export interface HeartbeatsTable {
  store_id: string;
  subject_id: string;
  at: Timestamp;
  data: Json<Record<string, unknown>>;
}

/** 1-minute store sales rollup, maintained by the stream processors with `+=` deltas. */
export interface Sales1mTable {
  store_id: string;
  bucket: Timestamp;
  orders: DefaultedNumeric;
  items: DefaultedNumeric;
  gross: DefaultedNumeric;
  tax: DefaultedNumeric;
  discount: DefaultedNumeric;
  net: DefaultedNumeric;
  cancelled_orders: DefaultedNumeric;
  cancelled_net: DefaultedNumeric;
  refunded_orders: DefaultedNumeric;
  refunded_net: DefaultedNumeric;
}

/** 1-minute rollup by order dimension: `channel`, `source` or `payment` (type). */
export interface SalesDim1mTable {
  store_id: string;
  bucket: Timestamp;
  dimension: 'channel' | 'source' | 'payment';
  key: string;
  orders: DefaultedNumeric;
  items: DefaultedNumeric;
  gross: DefaultedNumeric;
  net: DefaultedNumeric;
  cancelled_orders: DefaultedNumeric;
  cancelled_net: DefaultedNumeric;
  refunded_orders: DefaultedNumeric;
  refunded_net: DefaultedNumeric;
}

/** 1-minute rollup per sku and category (completed orders): quantity, line net (total − discount), lines. */
export interface ItemSales1mTable {
  store_id: string;
  bucket: Timestamp;
  sku: string;
  category: string;
  quantity: DefaultedNumeric;
  net: DefaultedNumeric;
  lines: DefaultedNumeric;
}

/** Hourly/daily relations (continuous aggregates or views): read-only. */
type SalesAggregateView = Readonly<Omit<Sales1mTable, 'bucket'> & { bucket: Date }>;
type ItemAggregateView = Readonly<Omit<ItemSales1mTable, 'bucket'> & { bucket: Date }>;

export interface ApiKeysTable {
  id: string;
  name: string;
  /** SHA-256 hex of the secret part; the secret itself is shown once and never stored. */
  key_hash: string;
  scopes: string[];
  /** null = all stores. */
  store_ids: string[] | null;
  created_at: DefaultedTimestamp;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface DbMetaTable {
  key: string;
  value: string;
}

/** Latest state of each zone, replaced only by newer frames. */
export interface ZoneStateTable {
  store_id: string;
  camera_id: string;
  zone_id: string;
  sku: string;
  state: 'ok' | 'low' | 'empty';
  fill_ratio: number;
  detected_facings: number;
  expected_facings: number;
  frame_at: Timestamp;
  state_since: Timestamp;
}

/** 1-minute zone rollup: fill samples and time-weighted observed/empty/low milliseconds. */
export interface Zone1mTable {
  store_id: string;
  camera_id: string;
  zone_id: string;
  bucket: Timestamp;
  samples: DefaultedNumeric;
  fill_sum: DefaultedNumeric;
  fill_min: number | null;
  observed_ms: DefaultedNumeric;
  empty_ms: DefaultedNumeric;
  low_ms: DefaultedNumeric;
}

type DefaultedJson<T> = ColumnType<T, string | undefined, string>;

export interface NotificationChannelsTable {
  id: string;
  store_id: string | null;
  name: string;
  kind: 'webhook' | 'sms';
  /** Channel settings without secrets. */
  config: Json<Record<string, unknown>>;
  secret: string | null;
  previous_secret: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface NotificationPoliciesTable {
  id: string;
  store_id: string | null;
  name: string;
  spec: Json<Record<string, unknown>>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface AlertRulesTable {
  id: string;
  /** NULL: a built-in system rule (migration 0008-system-alerts); its alerts carry SYSTEM_SCOPE. */
  store_id: string | null;
  name: string;
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  for_minutes: ColumnType<number, number | undefined, number>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  policy_id: string | null;
  labels: DefaultedJson<Record<string, string>>;
  /** The kind's params (contracts `RuleSpec` without `kind`). */
  params: Json<Record<string, unknown>>;
  is_default: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export type AlertStateColumn = 'pending' | 'firing' | 'acknowledged' | 'resolved';

export interface AlertsTable {
  id: string;
  rule_id: string;
  store_id: string;
  kind: string;
  subject: string;
  severity: 'info' | 'warning' | 'critical';
  state: AlertStateColumn;
  summary: string;
  value: number | null;
  labels: DefaultedJson<Record<string, string>>;
  annotations: DefaultedJson<Record<string, string | number | boolean>>;
  started_at: Timestamp;
  fired_at: Timestamp | null;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  resolved_at: Timestamp | null;
  snoozed_until: Timestamp | null;
  suppressed_by: string | null;
  seq: ColumnType<number, number | undefined, number>;
  last_notified_at: Timestamp | null;
  escalation_step: ColumnType<number, number | undefined, number>;
  updated_at: DefaultedTimestamp;
}

export interface AlertTransitionsTable {
  alert_id: string;
  seq: number;
  from_state: AlertStateColumn | null;
  to_state: AlertStateColumn;
  at: Timestamp;
  cause: string;
  actor: string | null;
  published_at: Timestamp | null;
}

export interface SilencesTable {
  id: string;
  store_id: string | null;
  matchers: Json<unknown[]>;
  starts_at: Timestamp;
  ends_at: Timestamp | null;
  recurrence: ColumnType<unknown, string | null | undefined, string | null>;
  comment: ColumnType<string, string | undefined, string>;
  created_by: string;
  created_at: DefaultedTimestamp;
}

export interface NotificationDeliveriesTable {
  notification_id: string;
  attempt: number;
  channel_id: string;
  store_id: string;
  alert_id: string | null;
  status: 'delivered' | 'failed' | 'dead_lettered' | 'superseded';
  http_status: number | null;
  latency_ms: number | null;
  error: string | null;
  at: DefaultedTimestamp;
}

/** A number one notification was texted to (migration 0007). */
export interface SmsMessagesTable {
  notification_id: string;
  to_number: string;
  recipient: number | null;
  attempt: number | null;
  provider_sid: string | null;
  sent_at: Timestamp;
}

/** The SMS provider's latest status of one message, from its status callbacks (migration 0007). */
export interface SmsReceiptsTable {
  provider_sid: string;
  status: string;
  rank: number;
  error_code: number | null;
  received_at: Timestamp;
}

export interface SalesBaselinesTable {
  store_id: string;
  /** 0 = Monday … 6 = Sunday, on the store's local clock. */
  weekday: number;
  hour: number;
  weeks: number;
  median_net: number;
  mad_net: number;
  computed_at: Timestamp;
}

export interface JobLeasesTable {
  job: string;
  /** The occurrence's key, e.g. its scheduled minute in ISO form, or `<store>:<local date>`. */
  occurrence: string;
  holder: string;
  claimed_at: DefaultedTimestamp;
  finished_at: Timestamp | null;
}

/** TimescaleDB only (migration 0012): when the processors last wrote a store's UTC day of `sales_1m`. */
export interface SalesDayVersionsTable {
  store_id: string;
  day: Timestamp;
  changed_at: DefaultedTimestamp;
}

/** TimescaleDB only (migration 0012): one row, rewritten by writes to `sales_1m` that recorded no day versions. */
export interface SalesWriteEpochTable {
  id: ColumnType<boolean, boolean | undefined, boolean>;
  changed_at: DefaultedTimestamp;
}

export interface Database {
  stores: StoresTable;
  cameras: CamerasTable;
  zones: ZonesTable;
  products: ProductsTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  order_heads: OrderHeadsTable;
  shelf_observations: ShelfObservationsTable;
  heartbeats: HeartbeatsTable;
  sales_1m: Sales1mTable;
  sales_dim_1m: SalesDim1mTable;
  item_sales_1m: ItemSales1mTable;
  sales_15m: SalesAggregateView;
  sales_1h: SalesAggregateView;
  sales_1d: SalesAggregateView;
  item_sales_1h: ItemAggregateView;
  item_sales_1d: ItemAggregateView;
  sales_day_versions: SalesDayVersionsTable;
  sales_write_epoch: SalesWriteEpochTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  sessions: SessionsTable;
  display_tokens: DisplayTokensTable;
  login_failures: LoginFailuresTable;
  zone_state: ZoneStateTable;
  zone_1m: Zone1mTable;
  db_meta: DbMetaTable;
  notification_channels: NotificationChannelsTable;
  notification_policies: NotificationPoliciesTable;
  alert_rules: AlertRulesTable;
  alerts: AlertsTable;
  alert_transitions: AlertTransitionsTable;
  silences: SilencesTable;
  notification_deliveries: NotificationDeliveriesTable;
  sms_messages: SmsMessagesTable;
  sms_receipts: SmsReceiptsTable;
  sales_baselines: SalesBaselinesTable;
  job_leases: JobLeasesTable;
}

export type OrderRow = Selectable<OrdersTable>;
export type NewOrderRow = Insertable<OrdersTable>;
export type NewOrderLineRow = Insertable<OrderLinesTable>;
