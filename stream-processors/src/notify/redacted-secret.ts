import { inspect } from 'node:util';

/**
 * A credential that cannot leak by accident: JSON, string conversion and `util.inspect` (pino,
 * console) all print `[redacted]`; only `reveal()` gives the value, at the one place that sends it.
 */
export class RedactedSecret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}
