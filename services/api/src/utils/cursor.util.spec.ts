import { decodeCursor, encodeCursor } from './cursor.util';

describe('cursor', () => {
  it('round-trips a sort key', () => {
    const key = ['2025-Q1', '000.00.17.H31', 'Hộ tịch'];
    expect(decodeCursor(encodeCursor(key), 3)).toEqual(key);
  });

  it('is URL-safe', () => {
    expect(encodeCursor(['???>>>~~~', 'ủy ban'])).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses a cursor with another number of keys', () => {
    expect(decodeCursor(encodeCursor(['2025-03', 'A']), 1)).toBeNull();
    expect(decodeCursor(encodeCursor(['2025-03']), 2)).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['not JSON', Buffer.from('2025-03').toString('base64url')],
    ['not an array', Buffer.from('{"k":["2025-03"]}').toString('base64url')],
    ['not strings', Buffer.from('[2025]').toString('base64url')],
    ['padded', `${encodeCursor(['2025-03'])}=`],
    ['too long', 'A'.repeat(2_000)],
  ])('refuses a cursor that is %s', (_, cursor) => {
    expect(decodeCursor(cursor, 1)).toBeNull();
  });

  it('refuses a non-canonical encoding of a valid key', () => {
    const canonical = encodeCursor(['2025-03']);
    const spaced = Buffer.from('[ "2025-03" ]').toString('base64url');
    expect(decodeCursor(canonical, 1)).toEqual(['2025-03']);
    expect(decodeCursor(spaced, 1)).toBeNull();
  });
});
