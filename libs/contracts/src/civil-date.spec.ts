import { civilFromDays, daysFromCivil, daysInMonth, isLeapYear } from './civil-date';

describe('civil date arithmetic', () => {
  it('knows the Gregorian leap years', () => {
    expect([2024, 2000, 1600, 0].map(isLeapYear)).toEqual([true, true, true, true]);
    expect([2023, 1900, 2100, 2025].map(isLeapYear)).toEqual([false, false, false, false]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2025, 4)).toBe(30);
    expect(daysInMonth(2025, 12)).toBe(31);
  });

  it('counts days from 1970-01-01', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(1969, 12, 31)).toBe(-1);
    expect(daysFromCivil(2000, 3, 1)).toBe(11017);
    expect(daysFromCivil(2025, 3, 4)).toBe(Date.UTC(2025, 2, 4) / 86_400_000);
  });

  it('agrees with Date.UTC and round-trips over four centuries either side of 2000', () => {
    const mismatches: number[] = [];
    for (let days = -146_097; days <= 146_097 * 2; days++) {
      const { year, month, day } = civilFromDays(days);
      const date = new Date(days * 86_400_000);
      const agrees =
        daysFromCivil(year, month, day) === days &&
        year === date.getUTCFullYear() &&
        month === date.getUTCMonth() + 1 &&
        day === date.getUTCDate();
      if (!agrees) mismatches.push(days);
    }
    expect(mismatches).toEqual([]);
  });
});
