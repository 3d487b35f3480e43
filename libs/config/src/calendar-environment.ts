import { z } from 'zod';
import { daysInMonth } from '@dvc/domain';

function isCivilDay(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/**
 * A comma list of civil days, `2026-02-16,2026-02-17`, as the working-day calendars take them (public holidays,
 * Saturdays worked in exchange for a bridge day). An impossible day (2026-02-30) is refused, not skipped.
 */
export const civilDayList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
  .superRefine((days, context) => {
    for (const day of days) {
      if (!isCivilDay(day)) context.addIssue({ code: 'custom', message: `"${day}" is not a day YYYY-MM-DD` });
    }
  });
