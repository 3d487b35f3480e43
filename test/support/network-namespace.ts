import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A network namespace of a test's own, joined to this one by a veth pair on a /30 of 10.213.0.0/16:
 * `hostAddress` on this side, `peerAddress` inside, where a server of the test runs (`ip netns exec`).
 * `cut()` takes the inner end of the veth down: the outer end loses its carrier and drops every packet
 * silently (no RST, no ICMP: open TCP connections hang, new ones wait for their SYN), as a partition
 * does; `heal()` brings it back and TCP carries on. (Delay and loss would be `tc netem` on the veth, but
 * this machine's kernel has no sch_netem: see fault-proxy.ts.)
 *
 * Nothing here skips: without `ip netns` (no root, no iproute2, a kernel without namespaces) `create`
 * fails with the reason. `destroy` (call it in afterAll, after stopping what runs inside) deletes the
 * pair and the namespace; so does the exit of the Jest worker.
 */
export class NetworkNamespace {
  private readonly suffix = randomBytes(3).toString('hex');
  readonly name = `dvc-nf-${this.suffix}`;
  /** Interface names have at most 15 characters. */
  readonly hostInterface = `dvh${this.suffix}`;
  readonly peerInterface = `dvp${this.suffix}`;
  readonly hostAddress: string;
  readonly peerAddress: string;
  private created = false;
  private readonly destroyOnExit = () => this.destroy();

  constructor() {
    const block = randomBytes(2);
    const base = `10.213.${block[0]}.${(block[1] % 64) * 4}`;
    const [a, b, c, d] = base.split('.').map(Number);
    this.hostAddress = `${a}.${b}.${c}.${d + 1}`;
    this.peerAddress = `${a}.${b}.${c}.${d + 2}`;
  }

  async create(): Promise<void> {
    const steps: string[][] = [
      ['netns', 'add', this.name],
      ['link', 'add', this.hostInterface, 'type', 'veth', 'peer', 'name', this.peerInterface],
      ['link', 'set', this.peerInterface, 'netns', this.name],
      ['addr', 'add', `${this.hostAddress}/30`, 'dev', this.hostInterface],
      ['link', 'set', this.hostInterface, 'up'],
      ['netns', 'exec', this.name, 'ip', 'addr', 'add', `${this.peerAddress}/30`, 'dev', this.peerInterface],
      ['netns', 'exec', this.name, 'ip', 'link', 'set', this.peerInterface, 'up'],
      ['netns', 'exec', this.name, 'ip', 'link', 'set', 'lo', 'up'],
    ];
    process.once('exit', this.destroyOnExit);
    this.created = true;
    for (const step of steps) {
      try {
        await run('ip', step, { timeout: 15_000 });
      } catch (error) {
        const detail = (error as { stderr?: string }).stderr?.trim() || String(error);
        throw new Error(
          `this test needs network namespaces and veth pairs (root, iproute2, a kernel with CONFIG_NET_NS and CONFIG_VETH); ` +
            `\`ip ${step.join(' ')}\` failed: ${detail}`,
        );
      }
    }
  }

  /** The partition: the inner end of the veth goes down. */
  async cut(): Promise<void> {
    await run('ip', ['netns', 'exec', this.name, 'ip', 'link', 'set', this.peerInterface, 'down']);
  }

  /** The partition heals. */
  async heal(): Promise<void> {
    await run('ip', ['netns', 'exec', this.name, 'ip', 'link', 'set', this.peerInterface, 'up']);
  }

  /** Deletes the veth pair (both ends) and the namespace; stop what runs inside first. */
  destroy(): void {
    process.removeListener('exit', this.destroyOnExit);
    if (!this.created) return;
    this.created = false;
    for (const args of [['link', 'del', this.hostInterface], ['netns', 'del', this.name]]) {
      try {
        execFileSync('ip', args, { stdio: 'ignore' });
      } catch {
        // already gone (a failed create, or the namespace took the pair with it)
      }
    }
  }
}
