import {
  instantFromDate,
  instantFromEpochMillis,
  instantToEpochMillis,
  InvalidInstantError,
  isInstant,
  parseRfc3339,
  tryParseRfc3339,
} from './instant';

function rejection(text: string): string {
  const parsed = tryParseRfc3339(text);
  if (parsed.ok) throw new Error(`${text} was accepted as ${parsed.instant}`);
  return parsed.detail;
}

describe('parseRfc3339', () => {
  it.each([
    ['2025-03-04T08:30:00+07:00', '2025-03-04T01:30:00.000000000Z'],
    ['2025-03-04T08:30:00Z', '2025-03-04T08:30:00.000000000Z'],
    ['2025-03-04t08:30:00z', '2025-03-04T08:30:00.000000000Z'],
    ['2025-03-04T08:30:00+00:00', '2025-03-04T08:30:00.000000000Z'],
    ['2025-03-04T08:30:00-00:00', '2025-03-04T08:30:00.000000000Z'],
    // across midnight and the new year, eastwards and westwards
    ['2025-01-01T05:00:00+07:00', '2024-12-31T22:00:00.000000000Z'],
    ['2025-03-01T06:59:59+07:00', '2025-02-28T23:59:59.000000000Z'],
    ['2024-03-01T00:00:00+07:00', '2024-02-29T17:00:00.000000000Z'],
    ['2024-12-31T20:00:00-05:00', '2025-01-01T01:00:00.000000000Z'],
    ['2024-02-28T23:30:00-01:00', '2024-02-29T00:30:00.000000000Z'],
    ['2023-02-28T23:30:00-01:00', '2023-03-01T00:30:00.000000000Z'],
    ['2025-04-30T20:15:00-03:30', '2025-04-30T23:45:00.000000000Z'],
    ['2025-06-30T23:00:00-02:00', '2025-07-01T01:00:00.000000000Z'],
    ['2025-01-01T00:00:00+23:59', '2024-12-31T00:01:00.000000000Z'],
    ['2024-12-31T23:59:59-23:59', '2025-01-01T23:58:59.000000000Z'],
    // fractions of 1 to 9 digits
    ['2025-03-04T08:30:00.5+07:00', '2025-03-04T01:30:00.500000000Z'],
    ['2025-03-04T08:30:00.123456789+07:00', '2025-03-04T01:30:00.123456789Z'],
    ['2025-03-04T08:30:00.000001Z', '2025-03-04T08:30:00.000001000Z'],
    // Feb 29 only in leap years
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000000000Z'],
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000000000Z'],
    ['9999-12-31T23:59:59.999999999Z', '9999-12-31T23:59:59.999999999Z'],
  ])('%s → %s', (text, instant) => {
    expect(parseRfc3339(text)).toBe(instant);
    expect(isInstant(parseRfc3339(text))).toBe(true);
  });

  it.each([
    ['2023-02-29T12:00:00Z', '2023-02-29 is not a calendar date'],
    ['1900-02-29T12:00:00Z', '1900-02-29 is not a calendar date'],
    ['2025-02-30T12:00:00Z', '2025-02-30 is not a calendar date'],
    ['2025-04-31T12:00:00Z', '2025-04-31 is not a calendar date'],
    ['2025-03-00T12:00:00Z', '2025-03-00 is not a calendar date'],
    ['2025-13-01T12:00:00Z', 'month 13 does not exist'],
    ['2025-00-01T12:00:00Z', 'month 00 does not exist'],
    ['2025-03-04T24:00:00Z', 'hour 24 is out of range 00–23'],
    ['2025-03-04T08:60:00Z', 'minute 60 is out of range 00–59'],
    ['2016-12-31T23:59:60Z', 'leap seconds (second 60) are not accepted'],
    ['2025-03-04T08:30:61Z', 'second 61 is out of range 00–59'],
    ['2025-03-04T08:30:00+24:00', 'offset +24:00 is out of range ±00:00–±23:59'],
    ['2025-03-04T08:30:00+07:60', 'offset +07:60 is out of range ±00:00–±23:59'],
    ['2025-03-04T08:30:00', 'the offset (Z or ±hh:mm) is missing'],
    ['2025-03-04T08:30:00.123', 'the offset (Z or ±hh:mm) is missing'],
    ['2025-03-04 08:30:00+07:00', 'date and time must be separated by T'],
    ['2025-03-04T08:30:00.1234567891Z', 'at most 9 fraction digits are accepted'],
    ['0000-01-01T00:30:00+01:00', 'the UTC year falls outside 0000–9999'],
  ])('rejects %s: %s', (text, detail) => {
    expect(rejection(text)).toBe(detail);
  });

  it.each([
    '2025-03-04T08:30:00+0700',
    '2025-03-04T08:30:00+07',
    '2025-03-04T08:30:00.Z',
    '2025-03-04T08:30Z',
    '2025-03-04',
    '2025-3-4T08:30:00Z',
    '25-03-04T08:30:00Z',
    ' 2025-03-04T08:30:00Z',
    '2025-03-04T08:30:00Z ',
    '2025-03-04T08:30:00ZZ',
    '2025-03-04T08:30:00+07:00[Asia/Ho_Chi_Minh]',
    '２０２５-03-04T08:30:00Z',
    '+002025-03-04T08:30:00Z',
    '',
  ])('rejects the malformed %j', (text) => {
    expect(rejection(text)).toMatch(/.+/);
  });

  it('throws a typed error whose message shows the expected form', () => {
    expect(() => parseRfc3339('2025-03-04T08:30:00')).toThrow(InvalidInstantError);
    expect(() => parseRfc3339('2025-03-04T08:30:00')).toThrow(
      'must be an RFC 3339 date-time with an offset, e.g. 2025-03-04T08:30:00+07:00 ' +
        '(got "2025-03-04T08:30:00": the offset (Z or ±hh:mm) is missing)',
    );
  });

  it('agrees with Date on thousands of random instants and offsets', () => {
    let seed = 20250304;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const two = (n: number) => String(n).padStart(2, '0');
    const mismatches: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const sign = random(2) === 0 ? '+' : '-';
      const text =
        `${1900 + random(200)}-${two(1 + random(12))}-${two(1 + random(28))}T` +
        `${two(random(24))}:${two(random(60))}:${two(random(60))}.${String(random(1000)).padStart(3, '0')}` +
        `${sign}${two(random(24))}:${two(random(60))}`;
      if (parseRfc3339(text).slice(0, 23) !== new Date(text).toISOString().slice(0, 23)) mismatches.push(text);
    }
    expect(mismatches).toEqual([]);
  });

  it('orders Instants as strings exactly as the times they denote', () => {
    const texts = [
      '2025-03-04T08:30:00.000000002+07:00',
      '2025-03-04T01:30:00.000000001Z',
      '2025-03-03T20:30:00.000000003-05:00',
      '2025-01-01T05:00:00+07:00',
      '2024-12-31T21:59:59.999999999Z',
      '2024-12-31T17:00:00-05:00',
      '2025-03-04T08:29:59.9+07:00',
    ];
    const byInstant = [...texts].sort((a, b) => (parseRfc3339(a) < parseRfc3339(b) ? -1 : 1));
    expect(byInstant).toEqual([
      '2024-12-31T21:59:59.999999999Z',
      '2025-01-01T05:00:00+07:00',
      '2024-12-31T17:00:00-05:00',
      '2025-03-04T08:29:59.9+07:00',
      '2025-03-04T01:30:00.000000001Z',
      '2025-03-04T08:30:00.000000002+07:00',
      '2025-03-03T20:30:00.000000003-05:00',
    ]);
    expect(parseRfc3339('2025-01-01T05:00:00+07:00')).toBe(parseRfc3339('2024-12-31T17:00:00-05:00'));
  });
});

describe('Instant helpers', () => {
  it('converts to and from epoch milliseconds', () => {
    expect(instantToEpochMillis('2025-03-04T01:30:00.123999999Z')).toBe(Date.UTC(2025, 2, 4, 1, 30, 0, 123));
    expect(instantToEpochMillis('1970-01-01T00:00:00.000000000Z')).toBe(0);
    expect(instantToEpochMillis('1969-12-31T23:59:59.999999999Z')).toBe(-1);
    expect(instantFromEpochMillis(Date.UTC(2025, 2, 4, 1, 30, 0, 123))).toBe('2025-03-04T01:30:00.123000000Z');
    expect(instantFromDate(new Date('2025-01-01T05:00:00+07:00'))).toBe(parseRfc3339('2025-01-01T05:00:00+07:00'));
    const now = Date.now();
    expect(instantToEpochMillis(instantFromEpochMillis(now))).toBe(now);
  });

  it('refuses what is not a canonical Instant or a valid Date', () => {
    expect(() => instantToEpochMillis('2025-03-04T08:30:00+07:00')).toThrow(InvalidInstantError);
    expect(() => instantFromDate(new Date('nope'))).toThrow(RangeError);
    expect(() => instantFromDate(new Date(Date.UTC(10000, 0, 1)))).toThrow(InvalidInstantError);
    expect(isInstant('2025-03-04T01:30:00.000Z')).toBe(false);
  });
});
