import { addressRefusal, outboundPolicy, parseCidrList, specialRangeOf, urlRefusal } from './outbound-address';

describe('special-purpose addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private network'],
    ['172.31.255.255', 'private network'],
    ['192.168.1.1', 'private network'],
    ['fd12::1', 'private network'],
    ['169.254.169.254', 'link-local (cloud metadata among it)'],
    ['fe80::1', 'link-local (cloud metadata among it)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['64:ff9b::a00:1', 'IPv6 transition (NAT64, 6to4, Teredo)'],
    ['localhost', 'not an IP address'],
  ])('%s is %s', (address, reason) => {
    expect(specialRangeOf(address)).toBe(reason);
  });

  it.each(['203.162.4.190', '172.32.0.1', '8.8.8.8', '2402:800:20ff::1'])('%s is public', (address) => {
    expect(specialRangeOf(address)).toBeNull();
  });
});

describe('outbound policy', () => {
  const closed = outboundPolicy(false, '');
  const inside = outboundPolicy(true, '10.20.0.0/16, 127.0.0.1');

  it('refuses special addresses unless allowlisted', () => {
    expect(addressRefusal(closed, '10.20.1.1')).toBe('10.20.1.1 is in a private network range; not called unless WEBHOOK_ALLOWED_CIDRS allows it');
    expect(addressRefusal(inside, '10.20.1.1')).toBeNull();
    expect(addressRefusal(inside, '10.21.1.1')).toMatch(/private network/);
    expect(addressRefusal(inside, '127.0.0.1')).toBeNull();
    expect(addressRefusal(inside, '127.0.0.2')).toMatch(/loopback/);
    expect(addressRefusal(closed, '203.162.4.190')).toBeNull();
  });

  it('refuses other schemes, http unless allowed, credentials and special literal hosts', () => {
    expect(urlRefusal(closed, 'https://ioc.hungyen.gov.vn/hooks')).toBeNull();
    expect(urlRefusal(closed, 'http://ioc.hungyen.gov.vn/hooks')).toMatch(/^must be an https:\/\/ URL/);
    expect(urlRefusal(inside, 'http://ioc.hungyen.gov.vn/hooks')).toBeNull();
    expect(urlRefusal(closed, 'ftp://ioc.hungyen.gov.vn/')).toMatch(/^must be an https/);
    expect(urlRefusal(closed, 'https://user:pass@ioc.hungyen.gov.vn/')).toBe('must not carry a user name or password');
    expect(urlRefusal(closed, 'https://169.254.169.254/latest/meta-data')).toMatch(/link-local/);
    expect(urlRefusal(closed, 'https://[::ffff:127.0.0.1]/')).toMatch(/loopback/);
    expect(urlRefusal(closed, 'https://[::1]:8443/')).toMatch(/loopback/);
    expect(urlRefusal(closed, 'not a url')).toBe('is not a URL');
  });

  it('parses the allowlist strictly', () => {
    expect(parseCidrList('10.0.0.0/8,fd00::/8, 192.168.1.10')).toMatchObject({ ok: true, cidrs: ['10.0.0.0/8', 'fd00::/8', '192.168.1.10'] });
    expect(parseCidrList('10.0.0.0/33')).toEqual({ ok: false, problems: ['"10.0.0.0/33" is not an address or CIDR (e.g. 10.20.0.0/16, fd00::/8)'] });
    expect(parseCidrList('intranet')).toMatchObject({ ok: false });
    expect(() => outboundPolicy(false, '10.0.0.0/x')).toThrow(/^WEBHOOK_ALLOWED_CIDRS: /);
  });
});
