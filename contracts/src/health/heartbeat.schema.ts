import { z } from 'zod';
import { envelopeBase } from '../envelope.schema.ts';
import { TokenId } from '../lib/primitives.ts';

const Count = z.number().int().min(0);

/** Liveness and throughput of one agent or one of its cameras (docs/architecture.md §3). */
export const Heartbeat = z.strictObject({
  subject: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('agent'), agentId: TokenId }),
    z.strictObject({ type: z.literal('camera'), agentId: TokenId, cameraId: TokenId }),
  ]),
  framesIn: Count,
  framesAnalysed: Count,
  framesSkipped: Count,
  fps: z.number().min(0),
  /** Age of the newest frame in ms; null before the first frame. */
  lastFrameAgeMs: z.number().min(0).nullable(),
  p95InferenceMs: z.number().min(0).nullable(),
  publishBacklog: Count,
  errors: Count,
  configHash: z.string().max(128),
  modelHash: z.string().max(128).nullable(),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

export const HeartbeatEvent = z.strictObject({
  ...envelopeBase,
  kind: z.literal('agent.heartbeat'),
  data: Heartbeat,
});
export type HeartbeatEvent = z.infer<typeof HeartbeatEvent>;
