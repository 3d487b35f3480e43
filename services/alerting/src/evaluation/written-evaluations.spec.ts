import { WrittenEvaluations } from './written-evaluations';

const evaluation = (successes: number) => ({ successes, trials: 40, rate: successes / 40 });

describe('WrittenEvaluations', () => {
  it('sends everything it does not know, then only what changed or whose row changed', () => {
    const written = new WrittenEvaluations();
    const updates = [
      { id: 'a', evaluation: evaluation(10) },
      { id: 'b', evaluation: evaluation(11) },
    ];
    const first = written.toWrite(updates, new Map([['a', '100'], ['b', '100']]));
    expect(first.map((u) => u.id)).toEqual(['a', 'b']);
    for (const u of first) written.remember(u.id, '101', u.digest);

    // Same numbers, rows unchanged since: nothing to send.
    expect(written.toWrite(updates, new Map([['a', '101'], ['b', '101']]))).toEqual([]);
    // New numbers for a; b's row was changed by someone else (another version): both sent.
    const next = written.toWrite([{ id: 'a', evaluation: evaluation(12) }, updates[1]], new Map([['a', '101'], ['b', '205']]));
    expect(next.map((u) => u.id)).toEqual(['a', 'b']);
    expect(next[0].digest).not.toBe(first[0].digest);
    expect(next[1].digest).toBe(first[1].digest);
  });

  it('forgets alerts that are no longer open', () => {
    const written = new WrittenEvaluations();
    written.remember('a', '1', WrittenEvaluations.digest(evaluation(1)));
    written.remember('b', '1', WrittenEvaluations.digest(evaluation(2)));
    written.keepOnly(new Set(['b']));
    expect(written.size).toBe(1);
    expect(written.toWrite([{ id: 'a', evaluation: evaluation(1) }], new Map([['a', '1']]))).toHaveLength(1);
  });
});
