import { LIMITS } from './limits';
import { parseJsonBytes } from './json-bytes';

const parse = (text: string, maxDepth?: number) => parseJsonBytes(Buffer.from(text, 'utf8'), 'the value', maxDepth);
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('parseJsonBytes', () => {
  it('parses JSON whose names repeat only across objects, or inside strings', () => {
    expect(parse('{"a":{"a":1},"b":[{"a":2},{"a":3}],"c":"\\"a\\":1,\\"a\\":2","d":{"a":{}}}')).toEqual({
      ok: true,
      value: { a: { a: 1 }, b: [{ a: 2 }, { a: 3 }], c: '"a":1,"a":2', d: { a: {} } },
    });
  });

  it.each([
    ['at the top', '{"id":"a","id":"b"}', '"id"'],
    ['inside data', '{"data":{"x":1,"channel":"online","channel":"postal"}}', '"channel"'],
    ['after an array value', '{"a":[1,{"b":2}],"a":3}', '"a"'],
    ['written with an escape', '{"subject":"a","\\u0073ubject":"b"}', '"subject"'],
    ['empty', '{"":1,"":2}', '""'],
  ])('refuses a name twice in one object, %s', (_, text, name) => {
    expect(parse(text)).toEqual({ ok: false, reason: `the value has the name ${name} twice in one object; names must be unique` });
  });

  it('refuses nesting deeper than the limit, counting objects and arrays alike', () => {
    expect(parse(nested(LIMITS.nestingDepth)).ok).toBe(true);
    expect(parse(nested(LIMITS.nestingDepth + 1))).toEqual({ ok: false, reason: 'the value is nested more than 64 levels deep' });
    expect(parse('{"a":'.repeat(40) + '[' .repeat(30) + ']'.repeat(30) + '}'.repeat(40))).toEqual({
      ok: false,
      reason: 'the value is nested more than 64 levels deep',
    });
    expect(parse(nested(3), 2)).toEqual({ ok: false, reason: 'the value is nested more than 2 levels deep' });
    // Brackets inside strings are text.
    expect(parse(JSON.stringify({ note: '['.repeat(1000) }))).toEqual({ ok: true, value: { note: '['.repeat(1000) } });
  });

  it('refuses nesting far too deep for JSON.stringify without overflowing the stack', () => {
    expect(parse(nested(100_000))).toEqual({ ok: false, reason: 'the value is nested more than 64 levels deep' });
  });

  it('reports bad JSON before its structure', () => {
    expect(parse('{"a":1,"a":')).toEqual({ ok: false, reason: expect.stringMatching(/^the value is not valid JSON: /) });
  });
});
