import { DossierEvent } from '@dvc/contracts';
import { DeadLetter, eventCounts } from '../services/event-publisher.service';
import { MAX_SOURCE_LABELS, OTHER_SOURCE, rejectedEventSource, SourceLabels, UNKNOWN_SOURCE } from './source-labels';

describe(SourceLabels.name, () => {
  it('names the first sources seen, counts every later one as other, and keeps the named ones named', () => {
    const labels = new SourceLabels();
    const sources = Array.from({ length: MAX_SOURCE_LABELS + 10 }, (_, n) => `urn:dvc:motcua:${n}`);
    expect(sources.map((source) => labels.label(source))).toEqual([
      ...sources.slice(0, MAX_SOURCE_LABELS),
      ...Array.from({ length: 10 }, () => OTHER_SOURCE),
    ]);
    expect(labels.label(sources[0])).toBe(sources[0]);
    expect(labels.label(sources[MAX_SOURCE_LABELS - 1])).toBe(sources[MAX_SOURCE_LABELS - 1]);
    expect(labels.label('urn:new')).toBe(OTHER_SOURCE);
    // Unreadable sources never take a slot.
    expect(labels.label(null)).toBe(UNKNOWN_SOURCE);
    expect(labels.label('')).toBe(UNKNOWN_SOURCE);
  });

  it('keeps at most max + 2 distinct labels whatever arrives', () => {
    const labels = new SourceLabels(3);
    const seen = new Set<string>();
    for (let n = 0; n < 1_000; n++) seen.add(labels.label(n % 7 === 0 ? undefined : `s${n}`));
    expect([...seen].sort()).toEqual(['other', 's1', 's2', 's3', 'unknown']);
  });
});

describe(rejectedEventSource.name, () => {
  it('reads the binary mode header first, then a structured body, else nothing', () => {
    expect(rejectedEventSource(Buffer.from('{}'), { ce_source: Buffer.from('urn:a') })).toBe('urn:a');
    expect(rejectedEventSource(null, { ce_source: ['urn:b'] })).toBe('urn:b');
    expect(rejectedEventSource(Buffer.from('{"source":"urn:c","id":1}'))).toBe('urn:c');
    expect(rejectedEventSource(Buffer.from('{"source":42}'))).toBeNull();
    expect(rejectedEventSource(Buffer.from('[{"source":"urn:d"}]'))).toBeNull();
    expect(rejectedEventSource(Buffer.from('not json'))).toBeNull();
    expect(rejectedEventSource(Buffer.from(JSON.stringify({ source: 'x'.repeat(2_000) })))).toBeNull();
    expect(rejectedEventSource(null)).toBeNull();
  });
});

describe(eventCounts.name, () => {
  const event = (source: string) => ({ source }) as DossierEvent;
  const letter = (value: string | null, source?: string): DeadLetter => ({
    key: null,
    value: value === null ? null : Buffer.from(value),
    rejection: { field: 'type', reason: 'bad' },
    source,
  });

  it('aggregates one batch per outcome and source label', () => {
    const counts = eventCounts(
      [event('urn:a'), event('urn:b'), event('urn:a')],
      [letter('{"source":"urn:a"}'), letter('garbage'), letter(null), letter('{"source":"urn:forged"}', 'urn:key-source')],
      new SourceLabels(),
    );
    expect(counts).toEqual([
      { outcome: 'accepted', source: 'urn:a', count: 2 },
      { outcome: 'accepted', source: 'urn:b', count: 1 },
      { outcome: 'rejected', source: 'urn:a', count: 1 },
      { outcome: 'rejected', source: 'unknown', count: 2 },
      { outcome: 'rejected', source: 'urn:key-source', count: 1 },
    ]);
    expect(eventCounts([], [], new SourceLabels())).toEqual([]);
  });
});
