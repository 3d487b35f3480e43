import { DossierCodes } from './dossier-codes';

describe(DossierCodes.name, () => {
  const at = (text: string) => Date.parse(text);

  it('numbers dossiers per agency and Vietnamese day', () => {
    const codes = new DossierCodes();
    expect(codes.next('000.00.17.H31', at('2025-03-04T08:00:00+07:00'))).toBe('000.00.17.H31-250304-0001');
    expect(codes.next('000.00.17.H31', at('2025-03-04T09:00:00+07:00'))).toBe('000.00.17.H31-250304-0002');
    expect(codes.next('000.00.18.H31', at('2025-03-04T09:00:00+07:00'))).toBe('000.00.18.H31-250304-0001');
    expect(codes.next('000.00.17.H31', at('2025-03-05T00:10:00+07:00'))).toBe('000.00.17.H31-250305-0001');
  });

  it('keeps live sequences ahead of the clock, so a restart the same day does not reuse codes', () => {
    const first = new DossierCodes(true).next('000.00.17.H31', at('2025-03-04T08:00:00+07:00'));
    const restarted = new DossierCodes(true).next('000.00.17.H31', at('2025-03-04T08:00:01+07:00'));
    expect(first).toBe('000.00.17.H31-250304-288000');
    expect(restarted).toBe('000.00.17.H31-250304-288010');
  });
});
