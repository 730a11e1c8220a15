// Writes one JSON Schema file per message type into contracts/schemas/ for integrators
// (`npm run -w contracts schemas`). zod 4 converts natively, so no extra dependency.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  ErrorBody,
  EventEnvelope,
  GenericOrderInput,
  HeartbeatEvent,
  PosOrderEvent,
  SalesResponse,
  ShelfObservationEvent,
  StoresResponse,
} from '../src/index.ts';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');
mkdirSync(outDir, { recursive: true });

const schemas: Record<string, { schema: z.ZodType; io: 'input' | 'output' }> = {
  'event-envelope': { schema: EventEnvelope, io: 'output' },
  'pos-order.event': { schema: PosOrderEvent, io: 'output' },
  'shelf-observation.event': { schema: ShelfObservationEvent, io: 'output' },
  'agent-heartbeat.event': { schema: HeartbeatEvent, io: 'output' },
  'generic-order.input': { schema: GenericOrderInput, io: 'input' },
  'stores.response': { schema: StoresResponse, io: 'output' },
  'sales.response': { schema: SalesResponse, io: 'output' },
  'error.response': { schema: ErrorBody, io: 'output' },
};

for (const [name, { schema, io }] of Object.entries(schemas)) {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12' });
  const file = join(outDir, `${name}.schema.json`);
  writeFileSync(file, `${JSON.stringify({ $id: `https://shelfsense.dev/schemas/${name}.schema.json`, ...json }, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
