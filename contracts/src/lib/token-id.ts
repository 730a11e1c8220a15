/**
 * The TokenId pattern without zod, for code that must not pull zod into a browser bundle (the live
 * channel names). `TokenId` in primitives.ts is built from it, so both always agree.
 */
export const TOKEN_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * The scope of fleet/system alerts (a TimescaleDB job failing), where a store alert carries its store
 * id: in `alerts.store_id`, the envelope of ALERTS messages and the `alerts.<scope>.<rule>` and
 * `live.<scope>.alerts` subjects. Not a TokenId (it starts with `_`), so no store can ever have it.
 */
export const SYSTEM_SCOPE = '_system';
