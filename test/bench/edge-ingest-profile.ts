// `node test/bench/edge-ingest-profile.ts`: the edge agent's POST /pos/orders under 32 clients next
// to a bare fastify route, round by round, with the agent's V8 profile (top frames by self time).
// Not a result for docs/benchmarks.md (bench:ingest writes those): a tool for finding what to fix.
//   BENCH_EDGE_ORDERS (20000)   orders per measurement
//   BENCH_EDGE_ROUNDS (3)       rounds of bare / [baseline] / agent
//   BENCH_EDGE_BASELINE         another build's edge-agent/src/main.ts, measured in the same rounds
//                               (e.g. `git archive <commit> edge-agent/src | tar -x -C /tmp/base`,
//                               with /tmp/base/node_modules linked to this checkout's)
//   BENCH_EDGE_PROF             directory for the .cpuprofile files (top frames of the last round)
//   BENCH_EDGE_NODE_OPTIONS / BENCH_EDGE_BASELINE_NODE_OPTIONS
//                               NODE_OPTIONS for the agent / the baseline (e.g. V8 heap flags; the
//                               baseline may be this checkout's main.ts to compare flags alone)
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { genericOrderBodies, measureBareFastify, measureEdgeHttp, topSelfFrames, type EdgeHttpResult } from './edge-ingest-bench.ts';

const ORDERS = Number(process.env.BENCH_EDGE_ORDERS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_EDGE_ROUNDS ?? 3);
const BASELINE = process.env.BENCH_EDGE_BASELINE;
const PROF = process.env.BENCH_EDGE_PROF;
const profDir = (name: string) => {
  if (PROF === undefined) return undefined;
  const dir = join(PROF, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const bodies = genericOrderBodies(ORDERS);
const cpu = (r: EdgeHttpResult) =>
  r.agentCpuMsPerRequest === undefined ? '' : `, CPU/order agent ${(r.agentCpuMsPerRequest * 1000).toFixed(0)} µs, nats-server ${((r.natsCpuMsPerRequest ?? NaN) * 1000).toFixed(0)} µs`;
const line = (name: string, r: EdgeHttpResult, bare: number) => `${name} ${r.rate.toFixed(0)}/s (${(r.rate / bare).toFixed(2)}× bare, ${r.failures} non-202${cpu(r)})`;

let last: Record<string, EdgeHttpResult> = {};
for (let round = 1; round <= ROUNDS; round++) {
  const bare = await measureBareFastify({ orders: ORDERS, clients: 32, bodies });
  last = {};
  const runs: [string, string | undefined, string | undefined][] = [['agent', undefined, process.env.BENCH_EDGE_NODE_OPTIONS]];
  // Which build goes first alternates, so a load change during a round does not favour one of them.
  if (BASELINE !== undefined) runs[round % 2 === 1 ? 'unshift' : 'push'](['baseline', BASELINE, process.env.BENCH_EDGE_BASELINE_NODE_OPTIONS]);
  for (const [name, entry, nodeOptions] of runs) {
    last[name] = await measureEdgeHttp({
      orders: ORDERS,
      clients: 32,
      bodies,
      ...(entry !== undefined ? { agentEntry: entry } : {}),
      ...(nodeOptions !== undefined ? { agentEnv: { NODE_OPTIONS: nodeOptions } } : {}),
      cpuProfDir: profDir(name),
    });
  }
  const parts = ['baseline', 'agent'].filter((name) => last[name] !== undefined).map((name) => line(name, last[name]!, bare.rate));
  console.log(`round ${round}: load ${loadavg().map((x) => x.toFixed(1)).join(' ')} | bare ${bare.rate.toFixed(0)}/s (CPU/request ${(bare.cpuMsPerRequest * 1000).toFixed(0)} µs) | ${parts.join(' | ')}`);
}
for (const [name, r] of Object.entries(last)) {
  if (r.profile === undefined) continue;
  console.log(`\n${name}: top frames by self time (${r.profile})`);
  for (const f of topSelfFrames(r.profile, 15)) console.log(`${String(f.selfPct).padStart(5)} %  ${String(f.selfMs).padStart(5)} ms  ${f.frame}`);
}
