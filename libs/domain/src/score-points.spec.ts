import { computeIndicators, NO_INDICATOR_COUNTS } from './indicators';
import { SCORE_FORMULA_VERSION, scoreCard } from './score-points';

const NONE = NO_INDICATOR_COUNTS;

const partPoints = (card: ReturnType<typeof scoreCard>) =>
  Object.fromEntries(card.groups.flatMap((group) => group.parts.map((part) => [part.part, part.points])));

describe('scoreCard (Decision 766 points)', () => {
  it('adds up to the scoreboard: 100 points in five groups, each group the sum of its parts', () => {
    const card = scoreCard(computeIndicators(NONE));
    expect(card.maxPoints).toBe(100);
    expect(card.groups.map((group) => [group.group, group.maxPoints])).toEqual([
      ['transparency', 18],
      ['progress', 20],
      ['onlineServiceAndPayment', 22],
      ['digitisation', 22],
      ['satisfaction', 18],
    ]);
    expect(card.groups.reduce((sum, group) => sum + group.maxPoints, 0)).toBe(100);
    for (const group of card.groups) expect(group.parts.reduce((sum, part) => sum + part.maxPoints, 0)).toBe(group.maxPoints);
    // Computable: 2.1's 20 points and part A of online payment's 6.
    expect(card.computableMaxPoints).toBe(26);
    expect(card.groups.flatMap((group) => group.parts).filter((part) => part.computable).map((part) => part.indicator)).toEqual(['onTimeResolution', 'onlinePayment']);
  });

  it("gives seed 004's Khánh Hòa department the full 20 progress points (179 resolved, none late, 4 within deadline)", () => {
    const card = scoreCard(computeIndicators({ ...NONE, received: 183, receivedOnline: 51, completed: 179, completedOnTime: 179, inProgressWithinDeadline: 4 }));
    expect(card.formulaVersion).toBe(SCORE_FORMULA_VERSION);
    // No payment was reported: part A has no denominator, so only the 20 progress points are earned, of 20.
    expect(partPoints(card)).toMatchObject({ onTimeResolution: 20, onlinePaymentDossiers: null, onlineServices: null, transparency: null });
    expect(card).toMatchObject({ points: 20, earnedOf: 20 });
  });

  it('converts 2.1 at 20 × rate and 3.6 at 6 × rate', () => {
    // 2.1 = (30 + 6) / 50 = 0.72 → 14.4; 3.6 = 50 / 250 = 0.2 → 1.2.
    const card = scoreCard(
      computeIndicators({ ...NONE, received: 300, completed: 40, completedOnTime: 30, inProgressWithinDeadline: 6, inProgressOverdue: 4, receivedOfFeeProcedures: 250, paidOnline: 50 }),
    );
    expect(partPoints(card)).toMatchObject({ onTimeResolution: 14.4, onlinePaymentDossiers: 1.2 });
    expect(card).toMatchObject({ points: 15.6, earnedOf: 26 });
  });

  it('uses the rounded figure the indicator table shows, and rounds points to 2 places', () => {
    // 2.1 = 2 / 3 → 0.6667 in the table → 13.33 points.
    const card = scoreCard(computeIndicators({ ...NONE, received: 3, completed: 3, completedOnTime: 2 }));
    expect(partPoints(card).onTimeResolution).toBe(13.33);
  });

  it('earns nothing without a denominator: no dossiers handled is null, not 0 points', () => {
    const card = scoreCard(computeIndicators(NONE));
    expect(card).toMatchObject({ points: null, earnedOf: 0, computableMaxPoints: 26 });
    expect(Object.values(partPoints(card)).every((points) => points === null)).toBe(true);
  });

  it('says why every part that is not computed cannot be, in Vietnamese and English', () => {
    const parts = scoreCard(computeIndicators(NONE)).groups.flatMap((group) => group.parts);
    for (const part of parts.filter((item) => !item.computable)) {
      expect(part.basisVi).toMatch(/Không tính được|Chưa tính/);
      expect(part.basisEn).toMatch(/Not comput/);
    }
  });

  it('refuses a figure in days where a rate belongs', () => {
    const figures = computeIndicators(NONE);
    expect(() => scoreCard({ ...figures, onTimeResolution: { ...figures.averageResolutionDays } })).toThrow(RangeError);
  });
});
