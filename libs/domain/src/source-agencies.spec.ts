import {
  AGENCY_NOT_ALLOWED,
  batchHierarchy,
  agencyEntryProblems,
  codesNeedingHierarchy,
  compileAgencyBinding,
  decideAgency,
  matchesDirectly,
  RecordedHierarchy,
  SOURCE_KEY_PATTERN,
} from './source-agencies';

// Recorded hierarchy of a small province: province → Sở Tư pháp → its unit; a district beside it.
const PARENTS: Record<string, string | null> = {
  '000.00.00.H31': null,
  '000.00.03.H31': '000.00.00.H31',
  '000.01.03.H31': '000.00.03.H31',
  '000.00.17.H31': '000.00.00.H31',
  '000.00.00.H29': null,
};

const recorded: RecordedHierarchy = (code) => {
  if (!(code in PARENTS)) return { known: false, ancestors: [] };
  const ancestors: string[] = [];
  for (let parent = PARENTS[code]; parent; parent = PARENTS[parent]) ancestors.push(parent);
  return { known: true, ancestors };
};

const SOURCE = 'urn:dvc:motcua:tu-phap';

describe('agency entries of a source', () => {
  it('accepts codes and patterns, refuses empty lists, bad characters and match-everything patterns', () => {
    expect(agencyEntryProblems(['000.00.03.H31', '*.H31', '*.03.H31'])).toEqual([]);
    expect(agencyEntryProblems([])).toEqual(['at least one agency code or pattern is required']);
    expect(agencyEntryProblems(['000 00'])).toEqual([expect.stringMatching(/^\[0\] "000 00" must be 1–64 characters/)]);
    expect(agencyEntryProblems(['*'])).toEqual([expect.stringMatching(/matches every code/)]);
    expect(agencyEntryProblems(['*.*'])).toEqual([expect.stringMatching(/matches every code/)]);
    expect(agencyEntryProblems(['x'.repeat(65)])).toHaveLength(1);
  });

  it('matches patterns as whole codes, dots literally', () => {
    const binding = compileAgencyBinding(['*.H31', '000.00.0?.H29']);
    expect(matchesDirectly(binding, '000.00.03.H31')).toBe(true);
    expect(matchesDirectly(binding, '000.00.03.H31X')).toBe(false);
    expect(matchesDirectly(binding, '000.00.03xH31')).toBe(false);
    // "?" is not a wildcard: only "*" is.
    expect(matchesDirectly(binding, '000.00.01.H29')).toBe(false);
    expect(matchesDirectly(compileAgencyBinding(['000.*.03.H31']), '000.01.03.H31')).toBe(true);
    expect(matchesDirectly(compileAgencyBinding(['000.*.03.H31']), '000.01.04.H31')).toBe(false);
  });

  it('source keys follow the broker principal rule of deploy/kafka', () => {
    expect(SOURCE_KEY_PATTERN.test('hung-yen')).toBe(true);
    expect(SOURCE_KEY_PATTERN.test('a')).toBe(true);
    expect(SOURCE_KEY_PATTERN.test('-hung')).toBe(false);
    expect(SOURCE_KEY_PATTERN.test('hung-')).toBe(false);
    expect(SOURCE_KEY_PATTERN.test('Hung')).toBe(false);
    expect(SOURCE_KEY_PATTERN.test('x'.repeat(41))).toBe(false);
  });
});

describe('decideAgency', () => {
  const subtree = compileAgencyBinding(['000.00.03.H31']);

  it('allows the root and what the recorded hierarchy puts below it', () => {
    expect(decideAgency(subtree, SOURCE, { code: '000.00.03.H31', parentCode: '000.00.00.H31' }, recorded)).toEqual({ allowed: true });
    expect(decideAgency(subtree, SOURCE, { code: '000.01.03.H31', parentCode: '000.00.03.H31' }, recorded)).toEqual({ allowed: true });
  });

  it('refuses a sibling, and a foreign agency even when the event claims it sits below the root', () => {
    const sibling = decideAgency(subtree, SOURCE, { code: '000.00.17.H31', parentCode: '000.00.00.H31' }, recorded);
    expect(sibling).toEqual({
      allowed: false,
      field: 'data.agency.code',
      reason: `${AGENCY_NOT_ALLOWED}: agency 000.00.17.H31 is outside the agencies of this source; source "${SOURCE}" may report only for 000.00.03.H31`,
    });
    // The recorded parent of 000.00.17.H31 is the province, whatever this event says.
    const claimed = decideAgency(subtree, SOURCE, { code: '000.00.17.H31', parentCode: '000.00.03.H31' }, recorded);
    expect(claimed).toMatchObject({ allowed: false, field: 'data.agency.code' });
  });

  it('places an agency never seen by the parent it names, which must be allowed', () => {
    expect(decideAgency(subtree, SOURCE, { code: 'NEW.1', parentCode: '000.01.03.H31' }, recorded)).toEqual({ allowed: true });
    expect(decideAgency(subtree, SOURCE, { code: 'NEW.2', parentCode: '000.00.17.H31' }, recorded)).toMatchObject({ allowed: false, field: 'data.agency.code' });
    expect(decideAgency(subtree, SOURCE, { code: 'NEW.3', parentCode: null }, recorded)).toMatchObject({ allowed: false, field: 'data.agency.code' });
  });

  it('refuses moving an allowed agency under a foreign parent, but lets the root keep its recorded parent', () => {
    const moved = decideAgency(subtree, SOURCE, { code: '000.01.03.H31', parentCode: '000.00.17.H31' }, recorded);
    expect(moved).toMatchObject({ allowed: false, field: 'data.agency.parentCode', reason: expect.stringMatching(/^agency-not-allowed-for-source: parent 000.00.17.H31/) });
    const rootMoved = decideAgency(subtree, SOURCE, { code: '000.00.03.H31', parentCode: '000.00.00.H29' }, recorded);
    expect(rootMoved).toMatchObject({ allowed: false, field: 'data.agency.parentCode' });
    // A root not seen before may name the parent it has.
    const newRoot = compileAgencyBinding(['NEW.ROOT']);
    expect(decideAgency(newRoot, SOURCE, { code: 'NEW.ROOT', parentCode: '000.00.00.H31' }, recorded)).toEqual({ allowed: true });
  });

  it('lets a province pattern report every code of the province and none of another', () => {
    const province = compileAgencyBinding(['*.H31']);
    expect(decideAgency(province, SOURCE, { code: '000.00.17.H31', parentCode: '000.00.00.H31' }, recorded)).toEqual({ allowed: true });
    expect(decideAgency(province, SOURCE, { code: '000.00.00.H31', parentCode: null }, recorded)).toEqual({ allowed: true });
    expect(decideAgency(province, SOURCE, { code: '000.00.00.H29', parentCode: null }, recorded)).toMatchObject({ allowed: false, field: 'data.agency.code' });
    expect(decideAgency(province, SOURCE, { code: '000.00.17.H31', parentCode: '000.00.00.H29' }, recorded)).toMatchObject({ allowed: false, field: 'data.agency.parentCode' });
  });

  it('asks the database only for codes no entry matches directly', () => {
    expect(codesNeedingHierarchy(compileAgencyBinding(['*.H31']), [{ code: '000.00.17.H31', parentCode: '000.00.00.H31' }])).toEqual([]);
    expect(
      codesNeedingHierarchy(subtree, [
        { code: '000.00.03.H31', parentCode: '000.00.00.H31' },
        { code: '000.01.03.H31', parentCode: '000.00.03.H31' },
        { code: '000.01.03.H31', parentCode: '000.00.03.H31' },
      ]).sort(),
    ).toEqual(['000.00.00.H31', '000.01.03.H31']);
  });
});

describe('batchHierarchy', () => {
  const database = new Map(Object.keys(PARENTS).map((code) => [code, recorded(code)]));
  const subtree = compileAgencyBinding(['000.00.03.H31']);

  it('places new agencies by the parents the batch names, down to a recorded one', () => {
    const batch = [
      { code: 'NEW.COMMUNE', parentCode: 'NEW.DISTRICT' },
      { code: 'NEW.DISTRICT', parentCode: '000.00.03.H31' },
    ];
    const hierarchy = batchHierarchy(database, batch);
    expect(hierarchy('NEW.COMMUNE')).toEqual({ known: false, ancestors: ['NEW.DISTRICT', '000.00.03.H31', '000.00.00.H31'] });
    expect(decideAgency(subtree, SOURCE, batch[0], hierarchy)).toEqual({ allowed: true });
    // Without its district in the batch the commune cannot be placed.
    expect(decideAgency(subtree, SOURCE, batch[0], batchHierarchy(database, [batch[0]]))).toMatchObject({ allowed: false, field: 'data.agency.code' });
  });

  it('never lets a claim move a recorded agency, and ends loops of claims', () => {
    const hierarchy = batchHierarchy(database, [
      { code: '000.00.17.H31', parentCode: '000.00.03.H31' },
      { code: 'LOOP.A', parentCode: 'LOOP.B' },
      { code: 'LOOP.B', parentCode: 'LOOP.A' },
    ]);
    expect(hierarchy('000.00.17.H31')).toEqual({ known: true, ancestors: ['000.00.00.H31'] });
    expect(hierarchy('LOOP.A')).toEqual({ known: false, ancestors: ['LOOP.B', 'LOOP.A'] });
    expect(decideAgency(subtree, SOURCE, { code: 'LOOP.A', parentCode: 'LOOP.B' }, hierarchy)).toMatchObject({ allowed: false });
  });
});
