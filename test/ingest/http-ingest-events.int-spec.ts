import { HEADERS, LIMITS } from '@dvc/contracts';
import { eventually } from '../support/service-process';
import { BATCH, IntakeBody, MAX_BATCH_EVENTS, post, RATE_LIMITED_SOURCE, REVOKED_SOURCE, SINGLE, SOURCE, useHttpIngest } from './http-ingest-harness';

/**
 * What POST /v1/events does with each event of an authenticated request: valid batches and single events on the
 * canonical topic keyed by dossier code, invalid ones, events of another source and oversize events rejected by
 * name and dead-lettered, and the per-source counts. Real processes, as set up by ./http-ingest-harness.ts.
 */

describe('POST /v1/events on a spawned ingest service: accepted and rejected events', () => {
  const { run, canonical, deadLetters, expectedCanonical, expectedDeadLetters, ingest, credentials, validEvent, withKey, wroteExactlyTheAcceptedEvents } =
    useHttpIngest('http_ingest_events');
  let apiKey: string;
  let sourceId: string;

  beforeAll(() => {
    ({ apiKey, sourceId } = credentials);
  });

  it('accepts a valid batch: 200 with a result per event, canonical events keyed by dossier code', async () => {
    const sharedDossier = `000.00.17.H31-${run}-shared`;
    const received = validEvent('received', sharedDossier);
    const paid = validEvent('paid', sharedDossier);
    const completed = validEvent('completed', sharedDossier);
    const other = validEvent('received');
    // A name in NFD (decomposed) must come out in NFC; a UTC time stays the same instant.
    other.data.procedure.name = 'Đăng ký khai sinh'.normalize('NFD');
    other.time = '2025-03-04T01:30:00.5Z';
    const withdrawn = validEvent('withdrawn');
    const batch = [received, paid, completed, other, withdrawn];
    expect(batch).toHaveLength(MAX_BATCH_EVENTS);

    const before = Date.now();
    const answer = await post<IntakeBody>(ingest.url, batch, withKey(BATCH));
    const after = Date.now();
    expectedCanonical.push(...batch.map((event) => event.id));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      accepted: 5,
      rejected: 0,
      results: batch.map((event, index) => ({ index, id: event.id, status: 'accepted' })),
    });

    const delivered = await canonical.byIds(batch.map((event) => event.id), 'the accepted batch');
    for (const event of batch) {
      const message = delivered.get(event.id)!;
      expect(message.key).toBe(event.subject);
      expect(message.headers[HEADERS.ingestChannel]).toBe('http');
      expect(Number(message.headers[HEADERS.ingestedAt])).toBeGreaterThanOrEqual(before);
      expect(Number(message.headers[HEADERS.ingestedAt])).toBeLessThanOrEqual(after);
    }
    // One dossier, one partition, in the order sent.
    const sameDossier = [received, paid, completed].map((event) => delivered.get(event.id)!);
    expect(new Set(sameDossier.map((message) => message.partition)).size).toBe(1);
    expect(sameDossier.map((message) => message.offset)).toEqual([...sameDossier.map((message) => message.offset)].sort((a, b) => (a < b ? -1 : 1)));

    const agency = { code: '000.00.17.H31', name: 'UBND huyện Văn Lâm', level: 'district', parentCode: '000.00.00.H31' };
    const procedure = { code: '1.001612', name: 'Đăng ký khai sinh', sector: 'Hộ tịch', onlineLevel: 'full' };
    expect(JSON.parse(delivered.get(received.id)!.value!.toString())).toEqual({
      kind: 'received',
      id: received.id,
      source: SOURCE,
      time: '2025-03-04T01:30:00.000000000Z',
      dossierCode: sharedDossier,
      procedure,
      agency,
      applicantType: null,
      channel: 'online',
      receivedAt: '2025-03-04T01:30:00.000000000Z',
      dueAt: '2025-03-10T10:00:00.000000000Z',
    });
    expect(JSON.parse(delivered.get(paid.id)!.value!.toString())).toMatchObject({
      kind: 'paid',
      paidAt: '2025-03-04T01:45:00.000000000Z',
      amountVnd: 8000,
      method: 'online',
    });
    expect(JSON.parse(delivered.get(other.id)!.value!.toString())).toMatchObject({
      time: '2025-03-04T01:30:00.500000000Z',
      procedure: { name: 'Đăng ký khai sinh'.normalize('NFC') },
    });
  });

  it('accepts a single structured event with Authorization: Bearer and media-type parameters', async () => {
    const event = validEvent('completed');
    const answer = await post<IntakeBody>(ingest.url, event, {
      'content-type': 'Application/CloudEvents+JSON; charset=UTF-8',
      authorization: `Bearer ${apiKey}`,
    });
    expectedCanonical.push(event.id);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ accepted: 1, rejected: 0, results: [{ index: 0, id: event.id, status: 'accepted' }] });
    const delivered = await canonical.byIds([event.id], 'the single event');
    expect(delivered.get(event.id)!.key).toBe(event.subject);
  });

  it('answers an empty batch with 200 and no results', async () => {
    const answer = await post<IntakeBody>(ingest.url, [], withKey(BATCH));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ accepted: 0, rejected: 0, results: [] });
  });

  it('rejects only the invalid events of a batch, naming the field, and dead-letters them with the reason', async () => {
    const first = validEvent('received');
    const noOffset = validEvent('received');
    noOffset.time = '2025-03-04T08:30:00';
    const last = validEvent('paid');
    const batch: unknown[] = [first, noOffset, 42, last];

    const answer = await post<IntakeBody>(ingest.url, batch, withKey(BATCH));
    expectedCanonical.push(first.id, last.id);
    expectedDeadLetters.push(noOffset.id, '<no id: 42>');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      accepted: 2,
      rejected: 2,
      results: [
        { index: 0, id: first.id, status: 'accepted' },
        { index: 1, id: noOffset.id, status: 'rejected', field: 'time', reason: expect.stringMatching(/^time .*offset \(Z or ±hh:mm\) is missing/) },
        { index: 2, id: null, status: 'rejected', field: null, reason: expect.stringContaining('must be a JSON object') },
        { index: 3, id: last.id, status: 'accepted' },
      ],
    });

    await canonical.byIds([first.id, last.id], 'the valid neighbours of an invalid event');
    const letter = (await deadLetters.byIds([noOffset.id], 'the dead-lettered event')).get(noOffset.id)!;
    expect(JSON.parse(letter.value!.toString())).toEqual(noOffset);
    expect(letter.key).toBeNull();
    expect(letter.headers).toEqual({
      [HEADERS.rejectionField]: 'time',
      [HEADERS.rejectionReason]: answer.body.results[1].reason,
      [HEADERS.ingestChannel]: 'http',
      'dvc-ingest-source-id': sourceId,
    });
    const notAnObject = await eventually(async () => deadLetters.messages.find((message) => message.value?.toString() === '42'), 30_000, 'the non-object item in the DLQ');
    expect(notAnObject.headers[HEADERS.rejectionReason]).toBe(answer.body.results[2].reason);
    expect(notAnObject.headers).not.toHaveProperty(HEADERS.rejectionField);
    expect(canonical.ids()).not.toContain(noOffset.id);
  });

  it('answers 400 to a single rejected event, with its result, and dead-letters it', async () => {
    const event = validEvent('received');
    (event.data as { channel: string }).channel = 'fax';
    const answer = await post<IntakeBody>(ingest.url, event, withKey(SINGLE));
    expectedDeadLetters.push(event.id);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      accepted: 0,
      rejected: 1,
      results: [{ index: 0, id: event.id, status: 'rejected', field: 'data.channel', reason: 'data.channel must be one of online, in_person, postal (got "fax")' }],
    });
    const letter = (await deadLetters.byIds([event.id], 'the rejected single event')).get(event.id)!;
    expect(letter.headers[HEADERS.rejectionField]).toBe('data.channel');
    expect(canonical.ids()).not.toContain(event.id);
  });

  it('rejects events whose source is not the one the API key is registered for', async () => {
    const own = validEvent('received');
    const foreign = validEvent('received', undefined, RATE_LIMITED_SOURCE);
    const batchAnswer = await post<IntakeBody>(ingest.url, [own, foreign], withKey(BATCH));
    expectedCanonical.push(own.id);
    expectedDeadLetters.push(foreign.id);
    expect(batchAnswer.status).toBe(200);
    expect(batchAnswer.body).toEqual({
      accepted: 1,
      rejected: 1,
      results: [
        { index: 0, id: own.id, status: 'accepted' },
        { index: 1, id: foreign.id, status: 'rejected', field: 'source', reason: expect.stringContaining(JSON.stringify(SOURCE)) },
      ],
    });

    const foreignSingle = validEvent('paid', undefined, REVOKED_SOURCE);
    const singleAnswer = await post<IntakeBody>(ingest.url, foreignSingle, withKey(SINGLE));
    expectedDeadLetters.push(foreignSingle.id);
    expect(singleAnswer.status).toBe(400);
    expect(singleAnswer.body).toMatchObject({ accepted: 0, rejected: 1, results: [{ index: 0, id: foreignSingle.id, status: 'rejected', field: 'source' }] });

    const letters = await deadLetters.byIds([foreign.id, foreignSingle.id], 'the events of another source');
    for (const letter of letters.values()) {
      expect(letter.headers[HEADERS.rejectionField]).toBe('source');
      expect(letter.headers['dvc-ingest-source-id']).toBe(sourceId);
    }
    await canonical.byIds([own.id], 'the own-source neighbour');
    expect(canonical.ids()).not.toEqual(expect.arrayContaining([foreign.id]));
    expect(canonical.ids()).not.toEqual(expect.arrayContaining([foreignSingle.id]));
  });

  it('counts events per batch by the API key\'s source, never by a source the event claims', async () => {
    const text = await (await fetch(`${ingest.url}/metrics`)).text();
    const series = text.split('\n').filter((line) => line.startsWith('dvc_ingest_events_total{'));
    const count = (outcome: string, source: string) =>
      series.filter((line) => line.includes(`outcome="${outcome}"`) && line.includes(`source="${source}"`) && line.includes('transport="http"'));
    expect(count('accepted', SOURCE)).toHaveLength(1);
    expect(count('rejected', SOURCE)).toHaveLength(1);
    expect(Number(count('rejected', SOURCE)[0].split(' ').pop())).toBeGreaterThanOrEqual(2);
    // The foreign events above named these sources; they were counted as the key's.
    expect(series.filter((line) => line.includes(RATE_LIMITED_SOURCE) || line.includes(REVOKED_SOURCE))).toEqual([]);
  });

  it('rejects an event over the per-event size limit while accepting its neighbour', async () => {
    const small = validEvent('received');
    const large = { ...validEvent('received'), padding: 'x'.repeat(LIMITS.eventBytes) };
    const answer = await post<IntakeBody>(ingest.url, [small, large], withKey(BATCH));
    expectedCanonical.push(small.id);
    expectedDeadLetters.push(large.id);
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { index: 0, id: small.id, status: 'accepted' },
      { index: 1, id: large.id, status: 'rejected', field: null, reason: expect.stringMatching(/more than the limit of 65536 bytes/) },
    ]);
    await deadLetters.byIds([large.id], 'the oversize event');
  });

  wroteExactlyTheAcceptedEvents();
});
