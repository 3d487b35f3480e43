// Readiness of the stack's services: GET /health/ready answers 200 once a service can do its job.
import { connect } from 'node:net';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One probe: `{ status }` (the HTTP status) or `{ error }` when nothing answered. */
export async function probeReady(service, timeoutMs = 2000) {
  try {
    const response = await fetch(`${service.baseUrl}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return { status: response.status };
  } catch (error) {
    return { error: error.cause?.code ?? error.name ?? String(error) };
  }
}

/**
 * Polls until the service is ready, its process is gone, or the time is up.
 * @returns {Promise<{ ready: true } | { ready: false, reason: string }>}
 */
export async function waitReady(service, { timeoutMs, isAlive, isCancelled = () => false }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probeReady(service);
    if (last.status === 200) return { ready: true };
    if (isCancelled()) return { ready: false, reason: 'stopping' };
    if (!isAlive()) return { ready: false, reason: 'its process exited' };
    if (Date.now() >= deadline) {
      const seen = last.status ? `last answer ${last.status}` : `last probe: ${last.error}`;
      return { ready: false, reason: `not ready after ${timeoutMs / 1000} s (${seen}; STACK_READY_TIMEOUT)` };
    }
    await sleep(500);
  }
}

/** Whether something accepts TCP connections on the service's port (HTTP or not). */
export function portInUse(service, timeoutMs = 1000) {
  const { hostname, port } = new URL(service.baseUrl);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const done = (inUse) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
