import type { TargetRule } from '@dvc/domain';
import { chooseSweepMode, sweepInputsDigest } from './sweep-mode';
import type { AgencyInfo, ProcedureInfo } from './sweep-plan';

const rule: TargetRule = { id: 'r1', scope: { kind: 'all' }, metric: 'onlineRate', threshold: 0.5, severity: 'warning' };
const agencies = new Map<string, AgencyInfo>([
  ['A', { code: 'A', name: 'Sở A', level: 'province', parentCode: null }],
  ['B', { code: 'B', name: 'Phòng B', level: 'district', parentCode: 'A' }],
]);
const procedures = new Map<string, ProcedureInfo>([['P1', { code: 'P1', name: 'Thủ tục 1', onlineLevel: 'full' }]]);
const windows = [{ kind: 'monthToDate', window: { firstDay: '2026-12-01', lastDay: '2026-12-07' } }];
const base = { windows, rules: [rule], agencies, procedures };
const HOUR = 3_600_000;

describe('sweepInputsDigest', () => {
  it('is the same for the same inputs, whatever the order of rules and reference data', () => {
    const reordered = sweepInputsDigest({
      ...base,
      rules: [{ ...rule, id: 'r2', threshold: 0.1, severity: 'critical' }, rule],
      agencies: new Map([...agencies].reverse()),
    });
    const original = sweepInputsDigest({ ...base, rules: [rule, { ...rule, id: 'r2', threshold: 0.1, severity: 'critical' }] });
    expect(reordered).toEqual(original);
  });

  it('changes with a window day, a rule, an agency parent or a procedure online level', () => {
    const digest = sweepInputsDigest(base);
    expect(sweepInputsDigest({ ...base, windows: [{ kind: 'monthToDate', window: { firstDay: '2026-12-01', lastDay: '2026-12-08' } }] }).windows).not.toBe(digest.windows);
    expect(sweepInputsDigest({ ...base, rules: [{ ...rule, threshold: 0.6 }] }).rules).not.toBe(digest.rules);
    expect(sweepInputsDigest({ ...base, rules: [{ ...rule, enabled: false }] }).rules).not.toBe(digest.rules);
    expect(sweepInputsDigest({ ...base, agencies: new Map([...agencies, ['B', { ...agencies.get('B')!, parentCode: null }]]) }).referenceData).not.toBe(digest.referenceData);
    expect(sweepInputsDigest({ ...base, procedures: new Map([['P1', { ...procedures.get('P1')!, onlineLevel: 'none' }]]) }).referenceData).not.toBe(digest.referenceData);
  });
});

describe('chooseSweepMode', () => {
  const digest = sweepInputsDigest(base);
  const last = { digest, atMs: 0 };

  it('sweeps every agency first, then only the pending ones while nothing else changed', () => {
    expect(chooseSweepMode(null, digest, 0, HOUR)).toEqual({ mode: 'full', reason: 'first' });
    expect(chooseSweepMode(last, digest, HOUR - 1, HOUR)).toEqual({ mode: 'incremental' });
  });

  it('sweeps every agency when the windows, the rules or the reference data changed, or after the interval', () => {
    expect(chooseSweepMode(last, { ...digest, windows: 'other' }, 1, HOUR)).toEqual({ mode: 'full', reason: 'windowsMoved' });
    expect(chooseSweepMode(last, { ...digest, rules: 'other' }, 1, HOUR)).toEqual({ mode: 'full', reason: 'rulesChanged' });
    expect(chooseSweepMode(last, { ...digest, referenceData: 'other' }, 1, HOUR)).toEqual({ mode: 'full', reason: 'referenceDataChanged' });
    expect(chooseSweepMode(last, digest, HOUR, HOUR)).toEqual({ mode: 'full', reason: 'interval' });
  });

  it('with an interval of 0, sweeps every agency every time', () => {
    expect(chooseSweepMode(last, digest, 0, 0)).toEqual({ mode: 'full', reason: 'interval' });
  });
});
