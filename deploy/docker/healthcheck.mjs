// Container HEALTHCHECK for the ShelfSense HTTP services: GET http://127.0.0.1:$HTTP_PORT<path>
// (default /readyz); exit 0 on 2xx, 1 otherwise. node:24-slim has neither curl nor wget.
//   node deploy/docker/healthcheck.mjs [/readyz|/healthz]
const path = process.argv[2] ?? '/readyz';
const port = process.env.HTTP_PORT;
if (port === undefined || port === '') {
  // Docker reserves exit code 2; anything but 0 is "unhealthy".
  console.error('healthcheck: HTTP_PORT is not set (every ShelfSense service sets it in compose/k8s)');
  process.exit(1);
}
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  const body = await res.text();
  if (!res.ok) {
    console.error(`healthcheck: ${path} answered ${res.status} ${body.slice(0, 500)}`);
    process.exit(1);
  }
} catch (err) {
  console.error(`healthcheck: ${path} on port ${port} unreachable: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
