import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import { changeFailure, fieldErrorsOf, splitFieldErrors } from './field-errors.ts';

const bad = (message: string, details?: unknown) => new ApiError('validation_failed', message, { status: 400, details });

describe('fieldErrorsOf', () => {
  it('keys schema details by dotted path and joins two messages for one field', () => {
    const error = bad('body.matchers.0.label: must be a label name; body.endsAt: endsAt must be after startsAt', [
      { path: '/matchers/0/label', message: 'must be a label name' },
      { path: '/endsAt', message: 'endsAt must be after startsAt' },
      { path: '/endsAt', message: 'a one-off silence needs endsAt' },
      { path: '', message: 'nothing to change' },
    ]);
    expect(fieldErrorsOf(error)).toEqual({
      'matchers.0.label': 'must be a label name',
      endsAt: 'endsAt must be after startsAt; a one-off silence needs endsAt',
      form: 'nothing to change',
    });
  });

  it('reads the message when there are no details', () => {
    expect(fieldErrorsOf(bad('body.steps.0.channelIds.1: notification channel x not found; something else'))).toEqual({
      'steps.0.channelIds.1': 'notification channel x not found',
      form: 'something else',
    });
  });

  it('puts any other failure in the form line', () => {
    expect(fieldErrorsOf(new ApiError('conflict', 'used by policies p1', { status: 409 }))).toEqual({ form: 'used by policies p1' });
  });
});

describe('splitFieldErrors', () => {
  it('keeps the fields the form shows and names the others in one line', () => {
    const split = splitFieldErrors({ name: 'too long', 'recurrence.weekly': 'bad', form: 'also' }, (k) => k === 'name');
    expect(split).toEqual({ fields: { name: 'too long' }, rest: 'recurrence.weekly: bad; also' });
    expect(splitFieldErrors({}, () => true).rest).toBeNull();
  });
});

describe('changeFailure', () => {
  it('names the missing scope on a 403', () => {
    const error = new ApiError('forbidden', 'this API key lacks the "admin" scope', { status: 403 });
    expect(changeFailure(error, 'notification channels', 'admin').form).toMatch(/may not change notification channels \(it needs the admin scope\)/);
  });
});
