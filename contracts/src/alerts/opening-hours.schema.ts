import { z } from 'zod';

/** `HH:MM` on a 24-hour clock; `24:00` closes a window at midnight. */
export const LocalTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be HH:MM on a 24-hour clock (00:00-24:00)');

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;

/**
 * One opening window on the store's local clock. `closes` at or before `opens` runs past midnight
 * into the next day (a bar open 18:00-02:00).
 */
export const OpeningWindow = z.strictObject({ opens: LocalTime, closes: LocalTime });
export type OpeningWindow = z.infer<typeof OpeningWindow>;

/** A dated exception (holiday, stock-take): closed all day, or these windows instead of the weekly ones. */
export const OpeningException = z.strictObject({
  date: z.iso.date(),
  /** Empty = closed that day. */
  windows: z.array(OpeningWindow).max(6),
  note: z.string().max(200).optional(),
});
export type OpeningException = z.infer<typeof OpeningException>;

/**
 * A store's opening hours in its own time zone: a weekly schedule plus dated exceptions. A store
 * without hours is treated as always open (rules that depend on hours then always apply).
 */
export const OpeningHours = z.strictObject({
  weekly: z.record(Weekday, z.array(OpeningWindow).max(6)),
  exceptions: z.array(OpeningException).max(400).default([]),
});
export type OpeningHours = z.infer<typeof OpeningHours>;
