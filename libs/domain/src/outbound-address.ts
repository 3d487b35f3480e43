import { BlockList, isIP } from 'node:net';

/**
 * Where the alerting service may send webhooks. A webhook URL is typed in by a person with webhooks:manage, so it
 * must not become a way to reach what sits behind the data center's firewall (SSRF): loopback, private and
 * link-local networks (the cloud metadata service at 169.254.169.254 among them), and the other special-purpose
 * ranges of IANA's registries are refused unless an operator allowlists them (WEBHOOK_ALLOWED_CIDRS), and plain
 * http only when WEBHOOK_ALLOW_HTTP says so. The sender checks every address a name resolves to, at send time,
 * and connects to the address it checked.
 */

type Range = [address: string, prefix: number, family: 'ipv4' | 'ipv6'];

/** Special-purpose ranges (RFC 6890 and its updates), by the reason given when one is refused. */
const SPECIAL_RANGES: Record<string, Range[]> = {
  'loopback': [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']],
  'unspecified': [['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6']],
  'private network': [['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['fc00::', 7, 'ipv6']],
  'link-local (cloud metadata among it)': [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']],
  'carrier-grade NAT': [['100.64.0.0', 10, 'ipv4']],
  'IETF protocol assignments': [['192.0.0.0', 24, 'ipv4']],
  'documentation': [['192.0.2.0', 24, 'ipv4'], ['198.51.100.0', 24, 'ipv4'], ['203.0.113.0', 24, 'ipv4'], ['2001:db8::', 32, 'ipv6']],
  'benchmarking': [['198.18.0.0', 15, 'ipv4']],
  'multicast': [['224.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']],
  'reserved': [['240.0.0.0', 4, 'ipv4']],
  // Translation and tunnelling prefixes can carry an address of any of the ranges above.
  'IPv6 transition (NAT64, 6to4, Teredo)': [['64:ff9b::', 96, 'ipv6'], ['64:ff9b:1::', 48, 'ipv6'], ['2002::', 16, 'ipv6'], ['2001::', 32, 'ipv6']],
};

function blockListOf(ranges: Range[]): BlockList {
  const list = new BlockList();
  for (const [address, prefix, family] of ranges) list.addSubnet(address, prefix, family);
  return list;
}

const SPECIAL_LISTS = Object.entries(SPECIAL_RANGES).map(([reason, ranges]) => [reason, blockListOf(ranges)] as const);

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is the IPv4 address it carries. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1], family: 'ipv4' };
  // The WHATWG URL parser writes it in hex: [::ffff:7f00:1].
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (mappedHex) {
    const [high, low] = [parseInt(mappedHex[1], 16), parseInt(mappedHex[2], 16)];
    return { address: [high >> 8, high & 255, low >> 8, low & 255].join('.'), family: 'ipv4' };
  }
  const version = isIP(address);
  return version === 4 ? { address, family: 'ipv4' } : version === 6 ? { address, family: 'ipv6' } : null;
}

/** The special-purpose range an address is in (`null`: a public address), or `not an IP address`. */
export function specialRangeOf(address: string): string | null {
  const parsed = normalise(address);
  if (!parsed) return 'not an IP address';
  for (const [reason, list] of SPECIAL_LISTS) if (list.check(parsed.address, parsed.family)) return reason;
  return null;
}

export interface OutboundPolicy {
  allowHttp: boolean;
  /** CIDRs allowed although special (a receiver inside the data center), as configured. */
  allowedCidrs: readonly string[];
  allowed: BlockList;
}

/** Parses WEBHOOK_ALLOWED_CIDRS (comma-separated `10.20.0.0/16`, `fd00::/8`, or single addresses). */
export function parseCidrList(text: string): { ok: true; cidrs: string[]; list: BlockList } | { ok: false; problems: string[] } {
  const cidrs = text.split(',').map((item) => item.trim()).filter(Boolean);
  const list = new BlockList();
  const problems: string[] = [];
  for (const cidr of cidrs) {
    const [address, prefixText, extra] = cidr.split('/');
    const parsed = normalise(address ?? '');
    const maximum = parsed?.family === 'ipv6' ? 128 : 32;
    const prefix = prefixText === undefined ? maximum : Number(prefixText);
    if (!parsed || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > maximum || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
      problems.push(`"${cidr}" is not an address or CIDR (e.g. 10.20.0.0/16, fd00::/8)`);
      continue;
    }
    list.addSubnet(parsed.address, prefix, parsed.family);
  }
  return problems.length ? { ok: false, problems } : { ok: true, cidrs, list };
}

export function outboundPolicy(allowHttp: boolean, allowedCidrs: string): OutboundPolicy {
  const parsed = parseCidrList(allowedCidrs);
  if (!parsed.ok) throw new Error(`WEBHOOK_ALLOWED_CIDRS: ${parsed.problems.join('; ')}`);
  return { allowHttp, allowedCidrs: parsed.cidrs, allowed: parsed.list };
}

/** Why an address may not be called (`null`: it may). */
export function addressRefusal(policy: OutboundPolicy, address: string): string | null {
  const special = specialRangeOf(address);
  if (special === null) return null;
  const parsed = normalise(address);
  if (parsed && policy.allowed.check(parsed.address, parsed.family)) return null;
  return `${address} is ${special === 'not an IP address' ? special : `in a ${special} range`}; not called unless WEBHOOK_ALLOWED_CIDRS allows it`;
}

/** Why a URL may not be called, judged without DNS (`null`: resolve it and check each address). */
export function urlRefusal(policy: OutboundPolicy, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && policy.allowHttp)) {
    return policy.allowHttp ? 'must be an https:// or http:// URL' : 'must be an https:// URL (http:// only where WEBHOOK_ALLOW_HTTP=true)';
  }
  if (parsed.username || parsed.password) return 'must not carry a user name or password';
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) return 'has no host';
  return isIP(host) || /^::ffff:/i.test(host) ? addressRefusal(policy, host) : null;
}
