import { PageError } from '../web/page-errors';
import { safeReturnPath } from '../auth/session';
import { translate, missingEnglish } from '../i18n/messages';
import { percentField, redirectWithNotice } from './form-fields';
import { rateDistribution } from './charts';
import { periodChoices, selectedPeriod, trailingMonths } from './periods';

describe('console form fields', () => {
  it('reads percentages as people type them, with a decimal comma or point, into the API’s ratio', () => {
    expect(percentField({ threshold: '60' }, 'threshold')).toBe(0.6);
    expect(percentField({ threshold: '65,5' }, 'threshold')).toBe(0.655);
    expect(percentField({ threshold: ' 12.25 % ' }, 'threshold')).toBe(0.1225);
    expect(percentField({ threshold: '0' }, 'threshold')).toBe(0);
    for (const wrong of ['', 'abc', '-1', '100.5', '1e3']) expect(() => percentField({ threshold: wrong }, 'threshold')).toThrow(PageError);
  });

  it('returns only to paths of this console (no open redirect)', () => {
    expect(safeReturnPath('/agencies/000.00.03.H31?period=2019')).toBe('/agencies/000.00.03.H31?period=2019');
    for (const outside of ['https://evil.example/', '//evil.example/', '/\\evil.example', 'agencies', '/login?returnTo=/', '/auth/callback?code=x', '/a\u0000b', undefined, 42]) {
      expect(safeReturnPath(outside)).toBe('/');
    }
  });

  it('adds the notice key to the redirect after a change', () => {
    expect(redirectWithNotice('/alerts/1', 'alerts.acknowledged')).toBe('/alerts/1?notice=alerts.acknowledged');
    expect(redirectWithNotice('/targets?agency=A', 'targets.saved')).toBe('/targets?agency=A&notice=targets.saved');
  });
});

describe('console periods and charts', () => {
  it('picks the running month by default and refuses what is not a month, quarter or year', () => {
    expect(selectedPeriod(undefined, '2026-12-07')).toMatchObject({ label: '2026-12', kind: 'month', firstDay: '2026-12-01', lastDay: '2026-12-31' });
    expect(selectedPeriod('2026-Q4', '2026-12-07')).toMatchObject({ kind: 'quarter', firstDay: '2026-10-01' });
    for (const wrong of ['2026-12-07', 'December', '2026-13']) expect(() => selectedPeriod(wrong, '2026-12-07')).toThrow(PageError);
  });

  it('offers recent periods, and keeps an older chosen one selectable', () => {
    const choices = periodChoices('2026-12-07');
    expect(choices.map((group) => [group.kind, group.labels[0], group.labels.length])).toEqual([['month', '2026-12', 12], ['quarter', '2026-Q4', 4], ['year', '2026', 2]]);
    expect(periodChoices('2026-12-07', selectedPeriod('2019', '2026-12-07'))[0]).toEqual({ kind: 'year', labels: ['2019'] });
    expect(trailingMonths(selectedPeriod('2019', '2026-12-07'))).toEqual(['2019-01', '2019-02', '2019-03', '2019-04', '2019-05', '2019-06', '2019-07', '2019-08', '2019-09', '2019-10', '2019-11', '2019-12']);
  });

  it('bins ranked peers by online rate in tens of percent, 100% in the last bin, unranked left out', () => {
    const peer = (rate: number | null) => ({ agencyCode: null, agencyName: null, visible: false, numerator: null, denominator: null, rate, rank: null, rankChange: null, gapToNextRank: null });
    expect(rateDistribution([peer(0), peer(0.099), peer(0.1), peer(0.95), peer(1), peer(null)])).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
  });
});

describe('console messages', () => {
  it('has every Vietnamese text in English too, and fills placeholders', () => {
    expect(missingEnglish()).toEqual(['app.short', 'none']);
    expect(translate('vi', 'alerts.acknowledgedBy', { who: 'Trần Thị Bình', at: '07/12/2026 09:30' })).toBe('Xác nhận bởi Trần Thị Bình lúc 07/12/2026 09:30');
    expect(translate('en', 'no.such.key')).toBe('no.such.key');
  });
});
