import { parsePeriodLabel, periodContaining, periodLabel, previousPeriod, vietnamToday, type ParsedPeriod } from '@dvc/domain';
import { PageError } from '../web/page-errors';

export interface SelectedPeriod extends ParsedPeriod {
  label: string;
}

/** The period a page shows: `?period=` (a month, quarter or year label), else the running month. */
export function selectedPeriod(label: unknown, today = vietnamToday()): SelectedPeriod {
  if (label === undefined || label === '') {
    const month = periodContaining(today, 'month');
    return { ...month, label: periodLabel(month.firstDay, 'month') };
  }
  const parsed = typeof label === 'string' ? parsePeriodLabel(label) : null;
  if (!parsed || parsed.kind === 'day') throw new PageError(400, 'error.400', `"${String(label)}" is not a month (2026-11), a quarter (2026-Q4) or a year (2026)`);
  return { ...parsed, label: label as string };
}

/** The choices of the period picker: the last 12 months, the last 4 quarters, this year and the one before. */
export function periodChoices(today = vietnamToday(), shown?: SelectedPeriod): { kind: 'month' | 'quarter' | 'year'; labels: string[] }[] {
  const walk = (kind: 'month' | 'quarter' | 'year', count: number) => {
    const labels: string[] = [];
    let period = periodContaining(today, kind);
    for (let i = 0; i < count; i += 1) {
      labels.push(periodLabel(period.firstDay, kind));
      period = previousPeriod(period);
    }
    return { kind, labels };
  };
  const groups = [walk('month', 12), walk('quarter', 4), walk('year', 2)];
  // A period older than these (a bookmarked or typed URL) stays selected, listed first under its own kind.
  if (shown && !groups.some((group) => group.labels.includes(shown.label))) groups.unshift({ kind: shown.kind as 'month' | 'quarter' | 'year', labels: [shown.label] });
  return groups;
}

/** The 12 months ending with the one that holds `period`'s last day, oldest first. */
export function trailingMonths(period: ParsedPeriod, count = 12): string[] {
  const labels: string[] = [];
  let month = periodContaining(period.lastDay, 'month');
  for (let i = 0; i < count; i += 1) {
    labels.unshift(periodLabel(month.firstDay, 'month'));
    month = previousPeriod(month);
  }
  return labels;
}
