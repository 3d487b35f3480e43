import { Gauge, Registry } from 'prom-client';
import { AdoptionGauges, AdoptionSnapshot, applyAdoptionSnapshot, vietnamMonthToDate } from './adoption-metrics';

function gauges(registry: Registry): AdoptionGauges {
  const gauge = <L extends string>(name: string, labelNames: L[]) => new Gauge<L>({ name, help: name, labelNames, registers: [registry] });
  return {
    received: gauge('received', ['province', 'agency_level', 'channel']),
    completed: gauge('completed', ['province', 'agency_level', 'timeliness']),
    targetRatio: gauge('target', ['metric', 'severity']),
    pairsBelowTarget: gauge('below', ['province', 'severity']),
    zeroUptakePairs: gauge('zero', ['province']),
    sourceLastEvent: gauge('source', ['source']),
  };
}

const EMPTY: AdoptionSnapshot = { provinces: [], received: [], completed: [], targets: [], pairsBelowTarget: [], zeroUptakePairs: [], sources: [] };

async function values(registry: Registry): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values) {
      const labels = Object.entries(value.labels).map(([key, label]) => `${key}=${label}`).join(',');
      result[`${metric.name}{${labels}}`] = value.value;
    }
  }
  return result;
}

describe(applyAdoptionSnapshot.name, () => {
  it('sets one series per label set, both channels and both timeliness values, and zeros for quiet provinces', async () => {
    const registry = new Registry();
    applyAdoptionSnapshot(gauges(registry), {
      provinces: ['H31', 'H32'],
      received: [{ province: 'H31', agencyLevel: 'district', online: 3, offline: 7 }],
      completed: [{ province: 'H31', agencyLevel: 'district', onTime: 4, late: 1 }],
      targets: [{ metric: 'onlineRate', severity: 'warning', threshold: 0.5 }],
      pairsBelowTarget: [{ province: 'H31', severity: 'critical', pairs: 2 }],
      zeroUptakePairs: [{ province: 'H32', pairs: 1 }],
      sources: [{ source: 'urn:dvc:motcua:hung-yen', lastEventSeconds: 1_764_000_000.5 }],
    });
    expect(await values(registry)).toEqual({
      'received{province=H31,agency_level=district,channel=online}': 3,
      'received{province=H31,agency_level=district,channel=offline}': 7,
      'completed{province=H31,agency_level=district,timeliness=on_time}': 4,
      'completed{province=H31,agency_level=district,timeliness=late}': 1,
      'target{metric=onlineRate,severity=warning}': 0.5,
      'below{province=H31,severity=critical}': 2,
      'below{province=H31,severity=warning}': 0,
      'below{province=H32,severity=critical}': 0,
      'below{province=H32,severity=warning}': 0,
      'zero{province=H31}': 0,
      'zero{province=H32}': 1,
      'source{source=urn:dvc:motcua:hung-yen}': 1_764_000_000.5,
    });
  });

  it('drops label sets that vanished since the previous refresh', async () => {
    const registry = new Registry();
    const set = gauges(registry);
    applyAdoptionSnapshot(set, { ...EMPTY, targets: [{ metric: 'onlineRate', severity: 'critical', threshold: 0.1 }], sources: [{ source: 'a', lastEventSeconds: 1 }] });
    applyAdoptionSnapshot(set, { ...EMPTY, sources: [{ source: 'b', lastEventSeconds: 2 }] });
    expect(await values(registry)).toEqual({ 'source{source=b}': 2 });
  });
});

describe(vietnamMonthToDate.name, () => {
  it('is the month of the Vietnam calendar day, which starts at 17:00 UTC the day before', () => {
    expect(vietnamMonthToDate(new Date('2025-03-31T16:59:59.999Z'))).toEqual({ from: '2025-03-01', to: '2025-03-31' });
    expect(vietnamMonthToDate(new Date('2025-03-31T17:00:00Z'))).toEqual({ from: '2025-04-01', to: '2025-04-01' });
    expect(vietnamMonthToDate(new Date('2024-12-31T18:00:00Z'))).toEqual({ from: '2025-01-01', to: '2025-01-01' });
    expect(vietnamMonthToDate(new Date('2024-02-29T12:00:00Z'))).toEqual({ from: '2024-02-01', to: '2024-02-29' });
  });
});
