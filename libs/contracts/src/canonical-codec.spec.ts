import { decodeCanonical, encodeCanonical } from './canonical-codec';
import { DossierEventKind } from './dossier-event';
import { exampleCloudEvent } from './example-events';
import { validateCloudEvent } from './validate-event';

describe('canonical codec', () => {
  it.each<DossierEventKind>(['received', 'completed', 'paid', 'withdrawn'])('round-trips a %s event', (kind) => {
    const result = validateCloudEvent(exampleCloudEvent(kind));
    if (!result.ok) throw new Error(result.rejection.reason);
    const bytes = encodeCanonical(result.event);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(result.event);
    expect(decodeCanonical(bytes)).toEqual(result.event);
  });

  it('keeps NFC names as UTF-8', () => {
    const result = validateCloudEvent(exampleCloudEvent());
    if (!result.ok) throw new Error(result.rejection.reason);
    expect(encodeCanonical(result.event).toString('utf8')).toContain('"sector":"Hộ tịch"');
  });
});
