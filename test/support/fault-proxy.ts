import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

/**
 * A userspace TCP proxy of the tests' own that makes network faults between a service and a server
 * (PostgreSQL here): this machine's kernel has no `sch_netem` (`tc qdisc add … netem` answers "Specified
 * qdisc kind is unknown", and there is no module to load, nor iptables/nft), so delay and loss cannot be
 * made in the kernel. Instead, on 127.0.0.1:<port> → target:
 *
 * - `latencyMs`: every chunk, in each direction, is held that long before it is passed on (order kept);
 * - `dropShare`: that share of new connections is reset (RST) as soon as it is accepted, before a byte passes;
 * - `resetAll()`: every open connection is reset at once, both ends (a middlebox or a peer that went away);
 * - `blackhole(true)`: nothing passes any more, in either direction, on open connections or new ones (they are
 *   accepted and left hanging; no RST, no FIN): what a partition looks like to TCP. `blackhole(false)` lets it
 *   all through again, as a healed partition does (TCP keeps what was sent meanwhile).
 */
export class FaultProxy {
  latencyMs = 0;
  dropShare = 0;
  /** What the proxy did, for the test's summary. */
  readonly stats = { accepted: 0, dropped: 0, reset: 0 };
  private server: Server | null = null;
  private port = 0;
  private blackholed = false;
  private readonly pairs = new Set<Pair>();

  constructor(
    private readonly target: { host: string; port: number },
    private readonly random: () => number = Math.random,
  ) {}

  /** `host:port` of the proxy, for a connection URL. */
  get address(): string {
    if (!this.port) throw new Error('the fault proxy is not listening: call start() first');
    return `127.0.0.1:${this.port}`;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  async start(): Promise<void> {
    const server = createServer({ pauseOnConnect: true }, (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Resets (RST) every open connection, at both ends. */
  resetAll(): number {
    const count = this.pairs.size;
    for (const pair of [...this.pairs]) pair.reset();
    this.stats.reset += count;
    return count;
  }

  blackhole(on: boolean): void {
    this.blackholed = on;
    for (const pair of this.pairs) pair.setFlowing(!on);
  }

  /** Stops listening and resets what is still open. */
  async close(): Promise<void> {
    for (const pair of [...this.pairs]) pair.reset();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.stats.accepted += 1;
    if (this.dropShare > 0 && this.random() < this.dropShare) {
      this.stats.dropped += 1;
      client.resetAndDestroy();
      return;
    }
    const pair = new Pair(client, this.target, () => this.latencyMs, () => this.pairs.delete(pair));
    this.pairs.add(pair);
    pair.setFlowing(!this.blackholed);
  }
}

/** One proxied connection: the client's socket, the upstream one, and a delayed pipe each way. */
class Pair {
  private readonly upstream: Socket;
  private closed = false;
  /** When the last chunk of each direction is due, so that a later chunk never overtakes an earlier one. */
  private readonly due = { up: 0, down: 0 };

  constructor(
    private readonly client: Socket,
    target: { host: string; port: number },
    private readonly latency: () => number,
    private readonly onClosed: () => void,
  ) {
    // Connected at once, but nothing is read from either side while a blackhole holds (setFlowing).
    this.upstream = connect({ host: target.host, port: target.port, noDelay: true });
    this.upstream.pause();
    client.setNoDelay(true);
    this.pipe(client, this.upstream, 'up');
    this.pipe(this.upstream, client, 'down');
  }

  setFlowing(flowing: boolean): void {
    if (this.closed) return;
    for (const socket of [this.client, this.upstream]) {
      if (flowing) socket.resume();
      else socket.pause();
    }
  }

  reset(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.resetAndDestroy();
    // An upstream still connecting cannot be reset; destroy is all there is then.
    if (this.upstream.connecting) this.upstream.destroy();
    else this.upstream.resetAndDestroy();
    this.onClosed();
  }

  private pipe(from: Socket, to: Socket, direction: 'up' | 'down'): void {
    const later = (action: () => void) => {
      const delay = this.latency();
      if (delay <= 0 && this.due[direction] <= Date.now()) return action();
      const at = Math.max(Date.now() + delay, this.due[direction]);
      this.due[direction] = at;
      setTimeout(action, at - Date.now());
    };
    from.on('data', (chunk: Buffer) => later(() => !to.destroyed && to.write(chunk)));
    from.on('end', () => later(() => !to.destroyed && to.end()));
    from.on('error', () => this.reset());
    // A side that closed: the other gets what was still due and an end; the pair is gone once both closed.
    from.on('close', () => {
      later(() => !to.destroyed && to.end());
      if (to.destroyed && !this.closed) {
        this.closed = true;
        this.onClosed();
      }
    });
  }
}
