/**
 * The catalogue of bad input (docs/bad-input.md): every kind, what is sent on each channel it applies to,
 * and what ingest answers. One table for the library's spec (bad-input-catalogue.spec.ts), the test on the
 * real pipeline (test/ingest/bad-input-catalogue.int-spec.ts) and the document's rows (`catalogueMarkdown`).
 */
export * from './bad-input-inputs';
export * from './bad-input-cases';

import { ACCEPTED_CASES, BAD_INPUT_CASES } from './bad-input-cases';
import { CHANNELS, reasonText, type BadInputCase, type Channel, type Outcome } from './bad-input-inputs';

const CHANNEL_NAMES: Record<Channel, string> = { 'kafka-structured': 'structured', 'kafka-binary': 'binary', http: 'HTTP' };
const cell = (text: string) => text.replace(/\|/g, '\\|');

function outcomeText(outcome: Outcome): string {
  const reason = cell(reasonText(outcome.reason));
  if (!outcome.deadLettered) return `**${outcome.status}** ${reason}`;
  return `${outcome.field === null ? '' : `\`${outcome.field}\`: `}${reason}`;
}

function kafkaCell(badCase: BadInputCase): string {
  const structured = badCase['kafka-structured'] && outcomeText(badCase['kafka-structured'].outcome);
  const binary = badCase['kafka-binary'] && outcomeText(badCase['kafka-binary'].outcome);
  if (structured && binary) return structured === binary ? structured : `structured: ${structured}<br>binary: ${binary}`;
  return structured ?? binary ?? '—';
}

/** The tables of docs/bad-input.md, between its `catalogue` markers. */
export function catalogueMarkdown(): string {
  const rows = BAD_INPUT_CASES.map((badCase, index) => {
    const channels = CHANNELS.filter((channel) => badCase[channel] !== undefined).map((channel) => CHANNEL_NAMES[channel]);
    const httpOutcome = badCase.http?.outcome;
    const httpCell = httpOutcome === undefined ? '—' : httpOutcome.deadLettered ? `event rejected, ${outcomeText(httpOutcome)}` : outcomeText(httpOutcome);
    return `| ${index + 1} | ${cell(badCase.kind)} | ${cell(badCase.example)} | ${channels.join(', ')} | ${kafkaCell(badCase)} | ${httpCell} |`;
  });
  const accepted = ACCEPTED_CASES.map((acceptedCase, index) => `| A${index + 1} | ${cell(acceptedCase.kind)} | ${cell(acceptedCase.example)} | ${cell(acceptedCase.why)} |`);
  return [
    '| # | kind | example | channels | Kafka: dead-letter `field`: reason | HTTP answer |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    'Accepted on every channel, though they may look wrong (each reaches the canonical topic):',
    '',
    '| # | kind | example | why it is accepted |',
    '|---|---|---|---|',
    ...accepted,
  ].join('\n');
}
