import { VIETNAM_OFFICE_HOURS } from '@dvc/domain';
import type { AlertRecord } from '../notifications/notices';
import { planSilentSources, planZeroUptake } from './detectors';
import { latestBySource } from './source-activity.controller';
import { ZERO_COUNTS } from './sweep-plan';

const window = { firstDay: '2025-05-17', lastDay: '2025-06-15' };
const agencies = new Map([['A', { code: 'A', name: 'Sở A', level: 'department' as const, parentCode: null }]]);
const procedures = new Map([
  ['FULL', { code: 'FULL', name: 'Toàn trình', onlineLevel: 'full' as const }],
  ['PART', { code: 'PART', name: 'Một phần', onlineLevel: 'partial' as const }],
  ['NONE', { code: 'NONE', name: 'Không trực tuyến', onlineLevel: 'none' as const }],
]);
const pair = (procedureCode: string, received: number, receivedOnline: number) => ({
  agencyCode: 'A',
  procedureCode,
  current: { ...ZERO_COUNTS, received, receivedOnline },
  previous: { ...ZERO_COUNTS },
});
function openAlert(partial: Partial<AlertRecord>): AlertRecord {
  return {
    id: 'x',
    kind: 'zeroUptake',
    targetId: null,
    agencyCode: 'A',
    procedureCode: 'FULL',
    windowKind: 'rolling30d',
    metric: 'onlineRate',
    severity: 'warning',
    threshold: null,
    status: 'firing',
    openedAt: '2025-06-01T00:00:00.000Z',
    sourceUri: null,
    reminderCount: 0,
    escalatedAt: null,
    resolveReason: null,
    lastEvaluation: null,
    explanation: null,
    ...partial,
  };
}

describe('zero uptake', () => {
  const base = { window, windowKind: 'rolling30d', agencies, procedures, minimumDossiers: 20 };

  it('fires for online procedures with enough dossiers and none online, only once', () => {
    const plan = planZeroUptake({ ...base, pairs: [pair('FULL', 20, 0), pair('PART', 25, 0), pair('NONE', 50, 0), pair('FULL', 0, 0)].slice(0, 3), open: [] });
    expect(plan.opened.map((o) => o.procedureCode)).toEqual(['FULL', 'PART']);
    expect(planZeroUptake({ ...base, pairs: [pair('FULL', 19, 0), pair('PART', 100, 1)], open: [] }).opened).toEqual([]);
    const again = planZeroUptake({ ...base, pairs: [pair('FULL', 30, 0)], open: [openAlert({ id: 'open-1' })] });
    expect(again.opened).toEqual([]);
    expect(again.stillOpen.map((s) => s.id)).toEqual(['open-1']);
  });

  it('resolves with the first online dossier, whatever the count', () => {
    const plan = planZeroUptake({ ...base, pairs: [pair('FULL', 3, 1)], open: [openAlert({ id: 'open-1' })] });
    expect(plan.resolved).toEqual([expect.objectContaining({ id: 'open-1', reason: 'onlineUptake' })]);
    // Fewer than the minimum but still none online: stays open (no hysteresis on the count).
    expect(planZeroUptake({ ...base, pairs: [pair('FULL', 3, 0)], open: [openAlert({ id: 'open-1' })] }).stillOpen).toHaveLength(1);
  });
});

describe('silent sources', () => {
  const schedule = VIETNAM_OFFICE_HOURS;
  // Monday 2025-06-16 10:00 in Vietnam.
  const now = new Date('2025-06-16T03:00:00Z');
  const hour = 3_600_000;

  it('counts working time only: quiet since Friday 16:30 is 3 working hours at Monday 10:00', () => {
    const plan = planSilentSources({ activity: [{ sourceUri: 'urn:s', lastEventAt: new Date('2025-06-13T09:30:00Z') }], open: [], now, thresholdMs: 3 * hour, schedule });
    expect(plan.opened).toEqual([expect.objectContaining({ kind: 'silentSource', sourceUri: 'urn:s' })]);
    expect(plan.opened[0].evaluation.workingTimeSilentMs).toBe(3 * hour);
    const notYet = planSilentSources({ activity: [{ sourceUri: 'urn:s', lastEventAt: new Date('2025-06-13T09:30:00Z') }], open: [], now, thresholdMs: 3 * hour + 1, schedule });
    expect(notYet.opened).toEqual([]);
  });

  it('resolves when events return or the source is no longer tracked', () => {
    const open = [openAlert({ id: 'a1', kind: 'silentSource', agencyCode: null, procedureCode: null, sourceUri: 'urn:s' }), openAlert({ id: 'a2', kind: 'silentSource', sourceUri: 'urn:gone' })];
    const plan = planSilentSources({ activity: [{ sourceUri: 'urn:s', lastEventAt: new Date(now.getTime() - 60_000) }], open, now, thresholdMs: hour, schedule });
    expect(plan.resolved.map((r) => `${r.id} ${r.reason}`).sort()).toEqual(['a1 eventsResumed', 'a2 sourceRemoved']);
  });
});

describe('source activity of a batch', () => {
  it('keeps the latest acceptance time per source, from the ingest header or the Kafka timestamp', () => {
    const message = (source: string, at: string | null, timestamp = '1000') => ({
      value: Buffer.from(JSON.stringify({ source, id: 'e' })),
      headers: at === null ? {} : { 'dvc-ingested-at': Buffer.from(at) },
      timestamp,
    });
    const latest = latestBySource([message('urn:a', '5000'), message('urn:a', '7000'), message('urn:a', '6000'), message('urn:b', null, '4000'), { value: Buffer.from('not json'), headers: {}, timestamp: '1' }]);
    expect([...latest]).toEqual([
      ['urn:a', 7000],
      ['urn:b', 4000],
    ]);
  });
});
