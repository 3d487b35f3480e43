import { groundTruth, ExpectedCounts, sumCounts } from '../support/ground-truth';
import { kafkaClient } from '../support/infrastructure';
import { passwordToken } from '../support/keycloak';
import { produceDeliveries, readTopic } from '../support/kafka-io';
import { allRates, apiMonthlyRatesAndTruth, COUNTERS, countsOf } from '../support/rates-api';
import { monthlyRollUpsBothWays, pipelineCaughtUp } from '../support/progress';
import { generateScenario, ROOT_AGENCY } from '../support/scenario';
import { eventually, ServiceProcess, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

describe('dossier events to rates, end to end on Kafka, PostgreSQL and the API', () => {
  const environment = new TestEnvironment('pipeline');
  const deliveries = generateScenario({ dossiers: 3_000, seed: 20250331 });
  const validEvents = deliveries.filter((delivery) => delivery.event).map((delivery) => delivery.event!);
  const invalid = deliveries.filter((delivery) => delivery.invalidBytes !== undefined);
  const expected = groundTruth(validEvents);
  let services: ServiceProcess[] = [];
  let api: ServiceProcess;

  beforeAll(async () => {
    await environment.prepare();
    const env = environment.serviceEnvironment();
    services = await Promise.all([
      new ServiceProcess('ingest', env).start(),
      new ServiceProcess('aggregator', env).start(),
      new ServiceProcess('api', env).start(),
    ]);
    api = services[2];
    await produceDeliveries(environment.topics.dossierEvents, deliveries);
    // Done when ingest has committed every input message and the aggregator has applied (or found unchanged) every
    // canonical record. (Offsets are no counts: ingest's transactions leave markers between the records.)
    await eventually(async () => {
      return (await pipelineCaughtUp(environment, env.INGEST_GROUP_ID)) ? true : undefined;
    }, 120_000, 'the aggregator to apply every canonical event');
  });

  afterAll(async () => {
    await stopAllServices();
    await environment.cleanUp();
  });

  it('scenario has what it claims: corrections, duplicates, binary events and invalid ones', () => {
    expect(invalid.length).toBeGreaterThan(50);
    expect(deliveries.filter((delivery) => delivery.binary).length).toBeGreaterThan(500);
    expect(deliveries.length - invalid.length).toBeGreaterThan(new Set(validEvents).size);
    const receivedPerDossier = new Map<string, number>();
    for (const event of new Set(validEvents)) if (event.type.endsWith('.received.v1')) receivedPerDossier.set(event.subject, (receivedPerDossier.get(event.subject) ?? 0) + 1);
    expect([...receivedPerDossier.values()].filter((count) => count > 1).length).toBeGreaterThan(200);
  });

  it('reports per month, agency and procedure exactly the ground truth', async () => {
    const { items, actual, wanted } = await apiMonthlyRatesAndTruth(api, expected);
    expect(actual).toEqual(wanted);
    for (const item of items) {
      expect(item.onlineRate).toBe(item.received === 0 ? null : Math.round((item.receivedOnline / item.received) * 10_000) / 10_000);
    }
  });

  it('sums the same from the day rows as from the month roll-ups, which equal their days', async () => {
    const days = await allRates(api, 'period=day&groupBy=agency,procedure&from=2025-03&to=2025-03');
    const months = await allRates(api, 'period=month&groupBy=agency,procedure&from=2025-03&to=2025-03');
    const summedDays = new Map<string, ExpectedCounts>();
    for (const item of days) {
      const key = `${item.agencyCode}|${item.procedureCode}`;
      summedDays.set(key, sumCounts([summedDays.get(key) ?? sumCounts([]), item]));
    }
    const withDossiers = [...summedDays].filter(([, counts]) => COUNTERS.some((name) => counts[name] !== 0));
    expect(withDossiers.length).toBeGreaterThan(20);
    expect(Object.fromEntries(months.map((item) => [`${item.agencyCode}|${item.procedureCode}`, countsOf(item)]).sort())).toEqual(
      Object.fromEntries(withDossiers.map(([key, counts]) => [key, countsOf(counts)]).sort()),
    );
    // By agency alone the API reads the per-agency roll-up: the same as the days too.
    const agencyMonths = await allRates(api, 'period=month&groupBy=agency&from=2025-03&to=2025-03');
    const daysByAgency = new Map<string, ExpectedCounts>();
    for (const [key, counts] of withDossiers) {
      const agency = key.split('|')[0];
      daysByAgency.set(agency, sumCounts([daysByAgency.get(agency) ?? sumCounts([]), counts]));
    }
    expect(Object.fromEntries(agencyMonths.map((item) => [item.agencyCode, countsOf(item)]).sort())).toEqual(
      Object.fromEntries([...daysByAgency].map(([agency, counts]) => [agency, countsOf(counts)]).sort()),
    );
    const rollUps = await monthlyRollUpsBothWays(environment);
    expect(rollUps.stored).toEqual(rollUps.recomputed);
  });

  it('rolls the whole hierarchy up to the province with subtree=true', async () => {
    const items = await allRates(api, `period=month&agency=${encodeURIComponent(ROOT_AGENCY)}&subtree=true`);
    for (const month of ['2025-03', '2025-04']) {
      const wantedTotal = sumCounts([...expected].filter(([key]) => key.startsWith(`${month}|`)).map(([, counts]) => counts));
      const item = items.find((candidate) => candidate.period === month);
      expect(item && countsOf(item)).toEqual(countsOf(wantedTotal));
    }
  });

  it('dead-letters every invalid event with its original bytes and a reason, and nothing else', async () => {
    const letters = await readTopic(environment.topics.deadLetter, invalid.length, 30_000);
    expect(letters).toHaveLength(invalid.length);
    expect(letters.map((letter) => letter.value?.toString()).sort()).toEqual(invalid.map((delivery) => delivery.invalidBytes).sort());
    for (const letter of letters) {
      expect(letter.headers['dvc-rejection-reason']).toMatch(/\w+/);
      expect(letter.headers['dvc-original-topic']).toBe(environment.topics.dossierEvents);
    }
  });

  it('announces every committed change on the rate-changes topic: the deltas add up to the counts', async () => {
    const admin = kafkaClient().admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(environment.topics.rateChanges).finally(() => admin.disconnect());
    const published = offsets.reduce((total, partition) => total + Number(partition.high), 0);
    expect(published).toBeGreaterThan(0);
    const messages = await readTopic(environment.topics.rateChanges, published, 30_000);
    expect(messages).toHaveLength(published);

    // Summed per (month, agency, procedure), the announced deltas must rebuild the ground truth.
    const announced = new Map<string, Record<string, number>>();
    for (const message of messages) {
      const body = JSON.parse(message.value!.toString()) as { agencyCode: string; changes: Array<Record<string, number | string>> };
      expect(message.key).toBe(body.agencyCode);
      for (const change of body.changes) {
        const key = `${String(change.day).slice(0, 7)}|${body.agencyCode}|${change.procedureCode}`;
        const sums = announced.get(key) ?? Object.fromEntries(COUNTERS.map((name) => [name, 0]));
        for (const name of COUNTERS) sums[name] += Number(change[name]);
        announced.set(key, sums);
      }
    }
    const nonZero = (map: Map<string, Record<string, number>>) =>
      Object.fromEntries([...map].filter(([, counts]) => COUNTERS.some((name) => counts[name] !== 0)).sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(nonZero(announced)).toEqual(nonZero(new Map([...expected].map(([key, counts]) => [key, countsOf(counts)]))));
  });

  it('lists the agencies and procedures seen, with the hierarchy', async () => {
    const response = await fetch(`${api.url}/v1/agencies?limit=100`, { headers: { authorization: `Bearer ${await passwordToken('operator')}` } });
    const body = (await response.json()) as { items: Array<{ code: string; parentCode: string | null }> };
    expect(body.items.map((agency) => agency.code).sort()).toEqual(
      [...new Set(validEvents.map((event) => (event.data.agency as { code: string }).code))].sort(),
    );
    expect(body.items.find((agency) => agency.code === '000.17.01.H31')?.parentCode).toBe('000.00.17.H31');
  });
});
