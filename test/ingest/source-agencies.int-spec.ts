import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, KafkaConfig, logLevel, Producer } from 'kafkajs';
import { CloudEventV1, exampleCloudEvent, HEADERS, sourceTopic } from '@dvc/contracts';
import security = require('../../deploy/kafka/security.cjs');
import { KAFKA_BROKERS, kafkaClient, kafkaScriptEnvironment, kafkaSecured, REPO_ROOT } from '../support/infrastructure';
import { eventually, ServiceProcess } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';
import { TopicCollector } from '../support/topic-collector';

/**
 * Sources may only speak for their own agencies: an HTTP key and a Kafka producer with its own topic, each bound
 * to agencies, against the real ingest process, the real broker (each source writing as its own SCRAM principal
 * when the broker is secured) and PostgreSQL's recorded hierarchy. What is refused reaches the dead-letter topic
 * with its reason and never the canonical topic, so it is counted nowhere.
 */
const run = promisify(execFile);
const environment = new TestEnvironment('source-agencies');
const runId = environment.runId;
const REFRESH_MS = 1_000;

// The recorded hierarchy of Hưng Yên as the aggregator would have written it.
const PROVINCE = '000.00.00.H31';
const TU_PHAP = '000.00.03.H31';
const TU_PHAP_UNIT = '000.01.03.H31';
const VAN_LAM = '000.00.17.H31';
const HIERARCHY: Array<[string, string, string | null]> = [
  [PROVINCE, 'province', null],
  [TU_PHAP, 'department', PROVINCE],
  [TU_PHAP_UNIT, 'other', TU_PHAP],
  [VAN_LAM, 'district', PROVINCE],
];

const HTTP_SOURCE = `urn:dvc:motcua:tu-phap-${runId}`;
const KAFKA_SOURCE = `urn:dvc:motcua:van-lam-${runId}`;
const LATE_SOURCE = `urn:dvc:motcua:muon-${runId}`;
/** Topic keys: `a…` registered before ingest starts, `l…` after, `o…` a topic with no registered source. */
const KEYS = { early: `a${runId}`, late: `l${runId}`, orphan: `o${runId}` };

let serial = 0;
function eventAbout(source: string, agency: { code: string; parentCode: string | null }): CloudEventV1 {
  const event = exampleCloudEvent('received');
  event.id = `agency-${runId}-${++serial}`;
  event.source = source;
  event.subject = `${agency.code}-${runId}-${serial}`;
  event.data.dossierCode = event.subject;
  event.data.agency = { ...event.data.agency, code: agency.code, parentCode: agency.parentCode, name: `Cơ quan ${agency.code}` };
  return event;
}

async function addSourceWithCli(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'dist/services/ingest/src/cli/add-source.js'), ...args], {
    env: { ...process.env, DATABASE_URL: environment.databaseUrl },
  });
  return stdout;
}

/** The producer a one-stop system gets for its topic key: its own principal on a secured broker. */
async function sourceProducer(key: string): Promise<Producer> {
  const topic = sourceTopic(environment.topics.dossierEvents, key);
  let kafka: Kafka;
  if (kafkaSecured()) {
    const { stdout } = await run('bash', [join(REPO_ROOT, 'deploy/kafka/kafka.sh'), 'add-source', key], {
      env: { ...kafkaScriptEnvironment(), TOPIC_DOSSIER_EVENTS: environment.topics.dossierEvents },
      timeout: 120_000,
    });
    const printed = Object.fromEntries([...stdout.matchAll(/^([A-Z_]+)=(.*)$/gm)].map((match) => [match[1], match[2]]));
    expect(printed).toMatchObject({ KAFKA_SASL_USERNAME: `src-${key}`, KAFKA_TOPIC: topic });
    kafka = new Kafka({ clientId: `src-${key}`, brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING, ...(security.kafkaConnectionOptions(printed) as Pick<KafkaConfig, 'ssl' | 'sasl'>) });
  } else {
    const admin = kafkaClient('dvc-test-source-agencies').admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] });
    await admin.disconnect();
    kafka = kafkaClient(`src-${key}`);
  }
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}

function send(producer: Producer, key: string, events: CloudEventV1[]) {
  return producer.send({
    topic: sourceTopic(environment.topics.dossierEvents, key),
    acks: -1,
    messages: events.map((event) => ({ key: event.subject ?? null, value: JSON.stringify(event), headers: { 'content-type': 'application/cloudevents+json' } })),
  });
}

describe('sources speak only for their own agencies (real ingest, Kafka, PostgreSQL)', () => {
  const canonical = new TopicCollector(environment.topics.canonicalEvents);
  const deadLetters = new TopicCollector(environment.topics.deadLetter);
  const producers: Producer[] = [];
  let ingest: ServiceProcess;
  let apiKey: string;

  const reasonOf = async (id: string) => (await deadLetters.byIds([id], `dead letter ${id}`)).get(id)!.headers;

  beforeAll(async () => {
    await environment.prepare(2);
    for (const [code, level, parent] of HIERARCHY) {
      await environment.query(
        `INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id) VALUES ($1, $1, $2, $3, '2025-01-01T00:00:00Z', 'seed')`,
        [code, level, parent],
      );
    }
    const printed = await addSourceWithCli(['--name', 'Sở Tư pháp (thử)', '--source', HTTP_SOURCE, '--agencies', TU_PHAP]);
    apiKey = /its API key \(shown only now\): (\S+)\s*$/.exec(printed)![1];
    await addSourceWithCli(['--name', 'Một cửa Văn Lâm (thử)', '--source', KAFKA_SOURCE, '--agencies', VAN_LAM, '--kafka-key', KEYS.early, '--no-api-key']);
    producers.push(await sourceProducer(KEYS.early), await sourceProducer(KEYS.orphan));
    ingest = new ServiceProcess('ingest', environment.serviceEnvironment({ INGEST_SOURCE_REFRESH_MS: String(REFRESH_MS) }));
    await Promise.all([ingest.start(), canonical.start(), deadLetters.start()]);
  });

  afterAll(async () => {
    for (const producer of producers) await producer.disconnect().catch(() => undefined);
    await Promise.all([ingest?.stop(), canonical.stop(), deadLetters.stop()]);
    if (kafkaSecured()) {
      for (const key of Object.values(KEYS)) {
        await run('bash', [join(REPO_ROOT, 'deploy/kafka/kafka.sh'), 'remove-source', key, '--delete-topic'], {
          env: { ...kafkaScriptEnvironment(), TOPIC_DOSSIER_EVENTS: environment.topics.dossierEvents },
        }).catch(() => undefined);
      }
    }
    await environment.dropDatabase();
  });

  it('stores the binding and no key: the command line refuses a binding that matches every code', async () => {
    const rows = await environment.query<{ source_uri: string; allowed_agencies: string[]; kafka_topic_key: string | null; has_key: boolean }>(
      `SELECT source_uri, allowed_agencies, kafka_topic_key, api_key_hash IS NOT NULL AS has_key FROM ingest_sources ORDER BY source_uri`,
    );
    expect(rows).toEqual([
      { source_uri: HTTP_SOURCE, allowed_agencies: [TU_PHAP], kafka_topic_key: null, has_key: true },
      { source_uri: KAFKA_SOURCE, allowed_agencies: [VAN_LAM], kafka_topic_key: KEYS.early, has_key: false },
    ]);
    await expect(addSourceWithCli(['--name', 'x', '--source', 'urn:x', '--agencies', '*'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--agencies: \[0\] "\*" matches every code/),
    });
  });

  it('HTTP: accepts the subtree of the key’s agency, new agencies placed by the batch, and refuses the rest per event', async () => {
    const own = eventAbout(HTTP_SOURCE, { code: TU_PHAP, parentCode: PROVINCE });
    const recordedChild = eventAbout(HTTP_SOURCE, { code: TU_PHAP_UNIT, parentCode: TU_PHAP });
    const newUnit = eventAbout(HTTP_SOURCE, { code: `NEW.${runId}.UNIT`, parentCode: TU_PHAP });
    const newBelowNew = eventAbout(HTTP_SOURCE, { code: `NEW.${runId}.DESK`, parentCode: `NEW.${runId}.UNIT` });
    const sibling = eventAbout(HTTP_SOURCE, { code: VAN_LAM, parentCode: PROVINCE });
    // Claiming a recorded foreign agency sits below its own agency changes nothing: the recorded parent decides.
    const claimedSibling = eventAbout(HTTP_SOURCE, { code: VAN_LAM, parentCode: TU_PHAP });
    const movedChild = eventAbout(HTTP_SOURCE, { code: TU_PHAP_UNIT, parentCode: VAN_LAM });
    const batch = [own, recordedChild, newUnit, newBelowNew, sibling, claimedSibling, movedChild];

    const response = await fetch(`${ingest.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json', 'x-api-key': apiKey },
      body: JSON.stringify(batch),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { accepted: number; rejected: number; results: Array<Record<string, unknown>> };
    const outside = (code: string) =>
      `agency-not-allowed-for-source: agency ${code} is outside the agencies of this source; source "${HTTP_SOURCE}" may report only for ${TU_PHAP}`;
    expect(body).toEqual({
      accepted: 4,
      rejected: 3,
      results: [
        { index: 0, id: own.id, status: 'accepted' },
        { index: 1, id: recordedChild.id, status: 'accepted' },
        { index: 2, id: newUnit.id, status: 'accepted' },
        { index: 3, id: newBelowNew.id, status: 'accepted' },
        { index: 4, id: sibling.id, status: 'rejected', field: 'data.agency.code', reason: outside(VAN_LAM) },
        { index: 5, id: claimedSibling.id, status: 'rejected', field: 'data.agency.code', reason: outside(VAN_LAM) },
        {
          index: 6,
          id: movedChild.id,
          status: 'rejected',
          field: 'data.agency.parentCode',
          reason: expect.stringMatching(`^agency-not-allowed-for-source: parent ${VAN_LAM} of agency ${TU_PHAP_UNIT} is outside`),
        },
      ],
    });
    await canonical.byIds([own.id, recordedChild.id, newUnit.id, newBelowNew.id], 'the accepted HTTP events');
    for (const refused of [sibling, claimedSibling, movedChild]) {
      const headers = await reasonOf(refused.id);
      expect(headers[HEADERS.rejectionReason]).toMatch(/^agency-not-allowed-for-source: /);
    }
    expect((await reasonOf(sibling.id))[HEADERS.rejectionField]).toBe('data.agency.code');
    expect(canonical.ids()).not.toEqual(expect.arrayContaining([sibling.id]));
  });

  it('Kafka: the topic names the source; its events must carry that source and be about its agencies', async () => {
    const [producer] = producers;
    const own = eventAbout(KAFKA_SOURCE, { code: VAN_LAM, parentCode: PROVINCE });
    const commune = eventAbout(KAFKA_SOURCE, { code: `XA.${runId}`, parentCode: VAN_LAM });
    const foreign = eventAbout(KAFKA_SOURCE, { code: TU_PHAP, parentCode: PROVINCE });
    // Another system's name in the event does not make it that system: the topic decides.
    const impersonating = eventAbout(HTTP_SOURCE, { code: VAN_LAM, parentCode: PROVINCE });
    await send(producer, KEYS.early, [own, foreign, commune, impersonating]);

    await canonical.byIds([own.id, commune.id], 'the accepted Kafka events');
    const foreignHeaders = await reasonOf(foreign.id);
    expect(foreignHeaders[HEADERS.rejectionReason]).toBe(
      `agency-not-allowed-for-source: agency ${TU_PHAP} is outside the agencies of this source; source "${KAFKA_SOURCE}" may report only for ${VAN_LAM}`,
    );
    expect(foreignHeaders[HEADERS.originalTopic]).toBe(sourceTopic(environment.topics.dossierEvents, KEYS.early));
    const impersonatingHeaders = await reasonOf(impersonating.id);
    expect(impersonatingHeaders[HEADERS.rejectionField]).toBe('source');
    expect(impersonatingHeaders[HEADERS.rejectionReason]).toMatch(/^source-not-registered-for-channel: source must be "urn:dvc:motcua:van-lam-/);
    expect(canonical.ids()).not.toEqual(expect.arrayContaining([foreign.id, impersonating.id]));
  });

  it('Kafka: a topic that belongs to no registered source is dead-lettered whole', async () => {
    const event = eventAbout(KAFKA_SOURCE, { code: VAN_LAM, parentCode: PROVINCE });
    await send(producers[1], KEYS.orphan, [event]);
    const headers = await reasonOf(event.id);
    expect(headers[HEADERS.rejectionReason]).toMatch(new RegExp(`^source-not-registered: topic \\S+\\.${KEYS.orphan} belongs to no registered source`));
    expect(canonical.ids()).not.toContain(event.id);
  });

  it('Kafka: a source registered while ingest runs is read from its new topic', async () => {
    await addSourceWithCli(['--name', 'Một cửa mới (thử)', '--source', LATE_SOURCE, '--agencies', '*.H31', '--kafka-key', KEYS.late, '--no-api-key']);
    const producer = await sourceProducer(KEYS.late);
    producers.push(producer);
    const event = eventAbout(LATE_SOURCE, { code: VAN_LAM, parentCode: PROVINCE });
    const elsewhere = eventAbout(LATE_SOURCE, { code: '000.00.00.H29', parentCode: null });
    await send(producer, KEYS.late, [event, elsewhere]);
    // Read from the beginning once subscribed (within INGEST_SOURCE_REFRESH_MS): nothing sent before is missed.
    await canonical.byIds([event.id], 'the event of the source registered late');
    expect((await reasonOf(elsewhere.id))[HEADERS.rejectionReason]).toMatch(/^agency-not-allowed-for-source: agency 000.00.00.H29 is outside/);
  });

  it('Kafka: after revocation its topic’s events are dead-lettered, and none is lost', async () => {
    await environment.query(`UPDATE ingest_sources SET revoked_at = now() WHERE kafka_topic_key = $1`, [KEYS.early]);
    // Ingest reads revocations every REFRESH_MS: send until one is refused, then every later one must be too.
    const sent: CloudEventV1[] = [];
    const firstRefused = await eventually(
      async () => {
        const event = eventAbout(KAFKA_SOURCE, { code: VAN_LAM, parentCode: PROVINCE });
        sent.push(event);
        await send(producers[0], KEYS.early, [event]);
        const outcome = await eventually(
          async () => (canonical.ids().includes(event.id) ? 'accepted' : deadLetters.ids().includes(event.id) ? 'refused' : undefined),
          30_000,
          `event ${event.id} on the canonical or the dead-letter topic`,
        );
        return outcome === 'refused' ? event : undefined;
      },
      60_000,
      'an event refused after revocation',
    );
    expect((await reasonOf(firstRefused.id))[HEADERS.rejectionReason]).toBe(
      `source-revoked: source "${KAFKA_SOURCE}" (topic ${sourceTopic(environment.topics.dossierEvents, KEYS.early)}) was revoked`,
    );
    const after = [1, 2, 3].map(() => eventAbout(KAFKA_SOURCE, { code: VAN_LAM, parentCode: PROVINCE }));
    await send(producers[0], KEYS.early, after);
    await deadLetters.byIds(after.map((event) => event.id), 'the events after revocation');
    expect(canonical.ids()).not.toEqual(expect.arrayContaining([firstRefused.id, ...after.map((event) => event.id)]));
    // Every event sent before the refusal is in exactly one of the two topics.
    for (const event of sent) {
      const inCanonical = canonical.ids().filter((id) => id === event.id).length;
      const inDeadLetters = deadLetters.ids().filter((id) => id === event.id).length;
      expect(inCanonical + inDeadLetters).toBe(1);
    }
  });
});
