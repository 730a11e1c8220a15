import { pino, type Logger } from 'pino';

export interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  method?: string;
  route?: string | null;
  status?: number;
  reason?: string;
  message?: string;
  keyId?: string;
  [k: string]: unknown;
}

/**
 * A pino logger at trace level (a secret at any level would show) whose lines the test reads back:
 * raw, to search for secrets, and parsed, to find a request's failure lines.
 */
export function capturedLog(): { log: Logger; raw: string[]; lines: () => LogLine[]; failuresOf: (reqId: string) => LogLine[] } {
  const raw: string[] = [];
  const log = pino({ level: 'trace' }, { write: (line: string) => void raw.push(line) });
  const lines = () => raw.map((l) => JSON.parse(l) as LogLine);
  // Every line about the request at info level or above: a failed request must have exactly one.
  const failuresOf = (reqId: string) => lines().filter((l) => l.reqId === reqId && l.level >= 30);
  return { log, raw, lines, failuresOf };
}
