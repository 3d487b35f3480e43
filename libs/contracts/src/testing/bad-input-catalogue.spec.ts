import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeHttpBody } from '../http-binding';
import { decodeKafkaMessage, KafkaMessageLike } from '../kafka-binding';
import { validateCloudEvent } from '../validate-event';
import { ValidationResult } from '../validation-result';
import {
  ACCEPTED_CASES,
  BAD_INPUT_CASES,
  catalogueEvent,
  catalogueMarkdown,
  Channel,
  CHANNELS,
  eventInput,
  HttpInput,
  KafkaInput,
  Outcome,
  reasonMatches,
  reasonText,
} from './bad-input-catalogue';

const DOC = join(__dirname, '..', '..', '..', '..', 'docs', 'bad-input.md');
const START = '<!-- catalogue:start (generated from libs/contracts/src/testing/bad-input-catalogue.ts) -->';
const END = '<!-- catalogue:end -->';

/** What the contract library answers (the ingest service adds only its own limits, see `serviceSetting`). */
function libraryOutcome(channel: Channel, input: KafkaInput | HttpInput): { deadLettered: boolean; status?: number; field?: string | null; reason: string } | 'accepted' {
  let result: ValidationResult;
  if (channel === 'http') {
    const { contentType, body } = input as HttpInput;
    const decoded = decodeHttpBody(contentType, body);
    if (!decoded.ok) return { deadLettered: false, status: decoded.status, reason: decoded.reason };
    result = validateCloudEvent(decoded.items[0]);
  } else {
    result = decodeKafkaMessage(input as KafkaMessageLike);
  }
  return result.ok ? 'accepted' : { deadLettered: true, field: result.rejection.field, reason: result.rejection.reason };
}

function expectOutcome(actual: ReturnType<typeof libraryOutcome>, expected: Outcome): void {
  expect(actual).not.toBe('accepted');
  if (actual === 'accepted') return;
  const shown = { ...actual, reason: reasonMatches(expected.reason, actual.reason) ? reasonText(expected.reason) : actual.reason };
  expect(shown).toEqual(expected.deadLettered ? { deadLettered: true, field: expected.field, reason: reasonText(expected.reason) } : { deadLettered: false, status: expected.status, reason: reasonText(expected.reason) });
}

describe('the bad-input catalogue, through the contract library', () => {
  it('names every kind once, with at least 40 kinds', () => {
    const kinds = [...BAD_INPUT_CASES, ...ACCEPTED_CASES].map((badCase) => badCase.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(BAD_INPUT_CASES.length).toBeGreaterThanOrEqual(40);
  });

  const channelCases = BAD_INPUT_CASES.flatMap((badCase, index) =>
    CHANNELS.filter((channel) => badCase[channel] !== undefined && !badCase.serviceSetting).map((channel) => ({ badCase, index, channel })),
  );
  it.each(channelCases.map((entry) => [entry.badCase.kind, entry.channel, entry] as const))('%s on %s', (_kind, channel, { badCase, index }) => {
    const event = catalogueEvent(badCase.eventKind ?? 'received', `bad-${index}-${channel}`, `000.00.17.H31-bad-${index}`);
    const channelCase = badCase[channel]!;
    expectOutcome(libraryOutcome(channel, channelCase.input(event as never)), channelCase.outcome);
  });

  it.each(ACCEPTED_CASES.flatMap((acceptedCase) => CHANNELS.map((channel) => [acceptedCase.kind, channel, acceptedCase] as const)))(
    'accepts %s on %s',
    (_kind, channel, acceptedCase) => {
      const event = catalogueEvent(acceptedCase.eventKind ?? 'received', `accepted-${channel}`, '000.00.17.H31-accepted');
      let result: ValidationResult;
      if (channel === 'http') {
        const { contentType, body } = eventInput(channel, event, acceptedCase.editData);
        const decoded = decodeHttpBody(contentType, body);
        if (!decoded.ok) throw new Error(`refused: ${decoded.reason}`);
        result = validateCloudEvent(decoded.items[0]);
      } else {
        result = decodeKafkaMessage(eventInput(channel, event, acceptedCase.editData));
      }
      if (!result.ok) throw new Error(`rejected: ${result.rejection.reason}`);
      expect(result.event).toMatchObject(acceptedCase.canonical);
      expect(Object.keys(result.event)).not.toEqual(expect.arrayContaining(['__proto__']));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('is what docs/bad-input.md lists (BAD_INPUT_DOC=write rewrites its table)', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const table = `${START}\n${catalogueMarkdown()}\n${END}`;
    if (process.env.BAD_INPUT_DOC === 'write') writeFileSync(DOC, doc.slice(0, start) + table + doc.slice(end + END.length));
    expect(doc.slice(start, end + END.length)).toBe(table);
  });
});
