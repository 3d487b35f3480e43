import { CloudEventV1, EVENT_TYPES, ReceivedDataV1, validateCloudEvent } from '@dvc/contracts';
import { buildProvinceModel } from '../model/province-model';
import { GeneratedEvent } from './delivery-noise';
import { generateDossierEvents } from './generate-dossier-events';

const codeOf = (event: CloudEventV1) => event.subject;
const isReceived = (event: CloudEventV1) => event.type === EVENT_TYPES.received;

describe(generateDossierEvents.name, () => {
  const model = buildProvinceModel({ seed: 11 });
  const noise = { duplicate: 0.02, correction: 0.01, outOfOrder: 0.02, invalid: 0.005 };
  let sample: GeneratedEvent[];
  beforeAll(() => {
    sample = [...generateDossierEvents({ seed: 11, model, dossiers: 60_000, noise })];
  });

  it('is deterministic from the seed', () => {
    const run = (seed: number) => [...generateDossierEvents({ seed, dossiers: 2_000 })].map((g) => JSON.stringify(g));
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('yields only valid v1 CloudEvents, except the deliberately broken ones', () => {
    for (const { event, noise: kind } of sample) {
      const result = validateCloudEvent(event);
      if (kind === 'invalid') expect(result.ok).toBe(false);
      else if (!result.ok) throw new Error(`${event.id}: ${result.rejection.reason}`);
    }
  });

  it('writes times with +07:00, subjects equal to realistic dossier codes, ids unique per source', () => {
    const contentById = new Map<string, string>();
    const odd: string[] = [];
    for (const { event, noise: kind } of sample) {
      if (kind === 'invalid') continue;
      if (!/^2025-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+07:00$/.test(event.time)) odd.push(`time ${event.time}`);
      if (!/^\d{3}\.\d{2}\.\d{2}\.H31-25\d{4}-\d{4,}$/.test(event.subject)) odd.push(`subject ${event.subject}`);
      if (event.source !== 'urn:dvc:motcua:hung-yen') odd.push(`source ${event.source}`);
      const json = JSON.stringify(event);
      const seen = contentById.get(event.id);
      // An id seen before is a re-sent copy (the copy may overtake a late original): the very same event.
      if (seen !== undefined && seen !== json) odd.push(`id ${event.id} reused`);
      contentById.set(event.id, json);
    }
    expect(odd).toEqual([]);
  });

  it('receives exactly the requested number of dossiers within the period', () => {
    const firsts = sample.filter((g) => isReceived(g.event) && (g.noise === undefined || g.noise === 'out-of-order'));
    expect(new Set(firsts.map((g) => codeOf(g.event))).size).toBe(60_000);
    expect(sample.every((g) => g.noise === 'invalid' || (g.event.time >= '2025-01-01T' && g.event.time < '2026-01-01T'))).toBe(true);
  });

  it('keeps the clean stream in time order', () => {
    const clean = sample.filter((g) => g.noise === undefined);
    const backwards = clean.filter((g, i) => i > 0 && g.at < clean[i - 1].at);
    expect(backwards).toEqual([]);
    const late = sample.filter((g) => g.noise === 'out-of-order');
    expect(late.some((g) => g.at < sample[sample.indexOf(g) - 1].at)).toBe(true);
  });

  it('gives each procedure × agency its intended online share over a large sample', () => {
    const byOffering = new Map<string, { n: number; online: number; intended: number }>();
    const intended = new Map(model.offerings.map((o) => [`${o.procedure.code}|${o.agency.code}`, o.onlineShare]));
    let online = 0;
    let total = 0;
    for (const { event, noise: kind } of sample) {
      if (!isReceived(event) || (kind !== undefined && kind !== 'out-of-order')) continue;
      const data = event.data as ReceivedDataV1;
      const key = `${data.procedure.code}|${data.agency.code}`;
      const entry = byOffering.get(key) ?? { n: 0, online: 0, intended: intended.get(key) ?? NaN };
      entry.n++;
      total++;
      if (data.channel === 'online') {
        entry.online++;
        online++;
      }
      byOffering.set(key, entry);
    }
    expect(online / total).toBeGreaterThan(model.expectedOnlineShare - 0.01);
    expect(online / total).toBeLessThan(model.expectedOnlineShare + 0.01);
    expect(online / total).toBeGreaterThan(0.05);
    expect(online / total).toBeLessThan(0.3);
    for (const { n, online: k, intended: p } of byOffering.values()) {
      if (p === 0) expect(k).toBe(0);
      else if (n >= 300) expect(Math.abs(k / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n) + 0.005);
    }
  });

  it('adds duplicates, corrections and late events at the configured rates', () => {
    const count = (kind: string) => sample.filter((g) => g.noise === kind).length;
    const events = sample.length;
    expect(count('duplicate') / events).toBeGreaterThan(noise.duplicate * 0.85);
    expect(count('duplicate') / events).toBeLessThan(noise.duplicate * 1.15);
    expect(count('out-of-order') / events).toBeGreaterThan(noise.outOfOrder * 0.85);
    expect(count('out-of-order') / events).toBeLessThan(noise.outOfOrder * 1.15);
    expect(count('invalid') / events).toBeGreaterThan(noise.invalid * 0.7);
    expect(count('invalid') / events).toBeLessThan(noise.invalid * 1.3);
    const corrections = sample.filter((g) => g.event.id.endsWith(':received:2')).length;
    expect(corrections / 60_000).toBeGreaterThan(noise.correction * 0.8);
    expect(corrections / 60_000).toBeLessThan(noise.correction * 1.2);
  });

  it('corrects a reception by a later received event with another channel or agency', () => {
    const firstById = new Map(sample.filter((g) => g.event.id.endsWith(':received')).map((g) => [g.event.subject, g.event]));
    const corrections = sample.filter((g) => g.event.id.endsWith(':received:2')).map((g) => g.event);
    expect(corrections.length).toBeGreaterThan(0);
    for (const correction of corrections) {
      const original = firstById.get(correction.subject) as CloudEventV1<ReceivedDataV1>;
      const data = correction.data as ReceivedDataV1;
      expect(Date.parse(correction.time)).toBeGreaterThan(Date.parse(original.time));
      expect(data.receivedAt).toBe(original.data.receivedAt);
      expect(data.channel !== original.data.channel || data.agency.code !== original.data.agency.code).toBe(true);
    }
  });

  it('completes most dossiers on time, some late; pays fees, partly online; withdraws a few', () => {
    const dueByCode = new Map<string, string>();
    let onTime = 0;
    let late = 0;
    const methods = { online: 0, offline: 0 };
    const withdrawn = new Set<string>();
    const completed = new Set<string>();
    const feeByCode = new Map(model.procedures.map((p) => [p.code, p.feeVnd]));
    let wrongAmounts = 0;
    for (const { event, noise: kind } of sample) {
      if (kind !== undefined && kind !== 'out-of-order') continue;
      const data = event.data as unknown as Record<string, string | number> & { procedure: { code: string } };
      if (isReceived(event)) dueByCode.set(event.subject, data.dueAt as string);
      if (event.type === EVENT_TYPES.completed) {
        completed.add(event.subject);
        const due = dueByCode.get(event.subject);
        if (due !== undefined) Date.parse(data.completedAt as string) <= Date.parse(due) ? onTime++ : late++;
      }
      if (event.type === EVENT_TYPES.paid) {
        if (data.amountVnd !== feeByCode.get(data.procedure.code) || !((data.amountVnd as number) > 0)) wrongAmounts++;
        methods[data.method as 'online' | 'offline']++;
      }
      if (event.type === EVENT_TYPES.withdrawn) withdrawn.add(event.subject);
    }
    expect(wrongAmounts).toBe(0);
    expect(onTime / (onTime + late)).toBeGreaterThan(0.9);
    expect(onTime / (onTime + late)).toBeLessThan(0.995);
    expect(methods.online).toBeGreaterThan(0);
    expect(methods.offline).toBeGreaterThan(methods.online);
    expect(withdrawn.size / 60_000).toBeGreaterThan(0.005);
    expect([...withdrawn].some((code) => completed.has(code))).toBe(false);
  });

  it('streams live from the start time at about the requested rate, without end', () => {
    const startMs = Date.parse('2025-11-22T10:00:00+07:00');
    const events = generateDossierEvents({ seed: 2, live: { startMs, eventsPerSecond: 50 } });
    let count = 0;
    for (const { event, at } of events) {
      if (at > startMs + 600_000) break;
      expect(Date.parse(event.time)).toBeGreaterThanOrEqual(startMs);
      count++;
    }
    // Ten minutes at 50 events/s: the completions of warm-up dossiers keep the rate steady from the start.
    expect(count / 600).toBeGreaterThan(40);
    expect(count / 600).toBeLessThan(60);
  });

  it('plays other provinces too', () => {
    const [first] = generateDossierEvents({ provinceCode: '56', dossiers: 10 });
    expect(first.event.source).toBe('urn:dvc:motcua:khanh-hoa');
  });
});
