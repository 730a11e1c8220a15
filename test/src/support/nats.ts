import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServer, type NatsServerOptions, type RunningNats } from '@shelfsense/deploy';

export interface TestNats extends RunningNats {
  /** Stops the server and deletes its temp dir. */
  destroy(): Promise<void>;
}

/** A real nats-server with JetStream in a temp dir, on a port the server picks. */
export async function startNats(options: Omit<NatsServerOptions, 'dir'> = {}): Promise<TestNats> {
  const dir = mkdtempSync(join(tmpdir(), 'shelfsense-nats-'));
  const server = await startNatsServer({ ...options, dir });
  return Object.assign(server, {
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
