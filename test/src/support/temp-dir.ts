import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/**
 * A fresh directory under the OS temp dir that the test run deletes again: called inside a test it
 * goes when that test finishes, called while a file is being collected (module or describe level)
 * it goes after that file's tests. Not from a beforeAll/beforeEach hook: vitest ignores an afterAll
 * registered there, so the directory would stay. Test runs used to leave hundreds of these behind.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    onTestFinished(remove);
  } catch {
    // Not inside a running test: vitest refuses onTestFinished there.
    afterAll(remove);
  }
  return dir;
}
