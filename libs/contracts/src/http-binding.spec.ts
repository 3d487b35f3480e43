import { exampleCloudEvent } from './example-events';
import { decodeHttpBody } from './http-binding';
import { validateCloudEvent } from './validate-event';

const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

describe('decodeHttpBody', () => {
  it('splits a batch into items that are validated one by one', () => {
    const bad = exampleCloudEvent('paid');
    bad.type = 'vn.gov.dvc.dossier.refunded.v1';
    const decoded = decodeHttpBody('application/cloudevents-batch+json', json([exampleCloudEvent(), bad]));
    expect(decoded).toEqual({ ok: true, items: [exampleCloudEvent(), bad], batch: true });
    if (!decoded.ok) return;
    expect(decoded.items.map((item) => validateCloudEvent(item).ok)).toEqual([true, false]);
  });

  it('reads a single structured event, whatever the case and parameters of its media type', () => {
    expect(decodeHttpBody('Application/CloudEvents+JSON; charset=UTF-8', json(exampleCloudEvent()))).toEqual({
      ok: true,
      items: [exampleCloudEvent()],
      batch: false,
    });
  });

  it('allows a batch one level more than an event, for its array', () => {
    const event = '{"a":'.repeat(64) + '1' + '}'.repeat(64);
    expect(decodeHttpBody('application/cloudevents+json', Buffer.from(event)).ok).toBe(true);
    expect(decodeHttpBody('application/cloudevents-batch+json', Buffer.from(`[${event}]`)).ok).toBe(true);
  });

  it('accepts an empty batch', () => {
    expect(decodeHttpBody('application/cloudevents-batch+json', Buffer.from('[]'))).toEqual({
      ok: true,
      items: [],
      batch: true,
    });
  });

  it.each([undefined, '', 'application/json', 'text/plain', 'application/cloudevents+json; charset=iso-8859-1'])(
    'answers 415 to the content type %j',
    (contentType) => {
      expect(decodeHttpBody(contentType, json(exampleCloudEvent()))).toEqual({
        ok: false,
        status: 415,
        reason: expect.stringMatching(/must be (application\/cloudevents\+json or|utf-8)/),
      });
    },
  );

  it.each<[string, string, Buffer, RegExp]>([
    ['malformed JSON', 'application/cloudevents+json', Buffer.from('{"id": '), /^the request body is not valid JSON: /],
    ['a malformed batch', 'application/cloudevents-batch+json', Buffer.from('[{}'), /^the request body is not valid JSON: /],
    ['a batch that is an object', 'application/cloudevents-batch+json', json(exampleCloudEvent()), /must be a JSON array of events$/],
    ['an empty body', 'application/cloudevents+json', Buffer.alloc(0), /^the request body is empty/],
    ['non-UTF-8 bytes', 'application/cloudevents+json', Buffer.from([0x7b, 0xff, 0x7d]), /not valid UTF-8$/],
    ['a name twice in one object', 'application/cloudevents+json', Buffer.from('{"id":"a","id":"b"}'), /^the request body has the name "id" twice in one object; names must be unique$/],
    ['an event nested too deep', 'application/cloudevents+json', Buffer.from('{"a":'.repeat(65) + '1' + '}'.repeat(65)), /^the request body is nested more than 64 levels deep$/],
    ['an event of a batch nested too deep', 'application/cloudevents-batch+json', Buffer.from('[' + '{"a":'.repeat(65) + '1' + '}'.repeat(65) + ']'), /^the request body is nested more than 65 levels deep$/],
  ])('answers 400 to %s', (_, contentType, body, reason) => {
    expect(decodeHttpBody(contentType, body)).toEqual({ ok: false, status: 400, reason: expect.stringMatching(reason) });
  });
});
