import { z } from 'zod';
import { ERROR_CODES } from '../errors.ts';

/** The one error body every HTTP failure returns. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
