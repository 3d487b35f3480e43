import { monthEndLookAhead } from '@dvc/domain';
import { lookAheadEn, lookAheadVi } from './email-templates';

describe('the look-ahead line of an alert e-mail', () => {
  // 1–7 December 2026: 50 dossiers, 10 online; 18 working days left (libs/domain's worked example).
  const look = monthEndLookAhead({ firstDay: '2026-12-01', lastDay: '2026-12-07' }, 50, 10, 0.5);

  it('says where the month ends and the online dossiers per working day the target needs, Vietnamese first', () => {
    expect(lookAheadVi(look, 0.5)).toBe(
      'Dự báo: với nhịp độ hiện nay, tỷ lệ trực tuyến tháng 12/2026 dự kiến đạt 20,0% (khoảng 13,2%–30,2%); ' +
        'cần 5,83 hồ sơ trực tuyến mỗi ngày làm việc trong 18 ngày làm việc còn lại (hiện nay 2) để đạt mục tiêu 50,0%.',
    );
    expect(lookAheadEn(look, 0.5)).toBe(
      'Look ahead: at the present pace the online rate of 2026-12 ends near 20.0% (13.2% – 30.2%); ' +
        '5.83 online dossiers per working day over the 18 working days left (2 now) would reach the 50.0% target.',
    );
  });

  it('says when the target is out of reach, and when there is nothing to project yet', () => {
    const lastDay = monthEndLookAhead({ firstDay: '2026-11-01', lastDay: '2026-11-30' }, 100, 40, 0.5);
    expect(lookAheadVi(lastDay, 0.5)).toContain('không thể đạt mục tiêu 50,0% trong tháng');
    expect(lookAheadEn(lastDay, 0.5)).toContain('out of reach this month');
    const empty = monthEndLookAhead({ firstDay: '2026-11-01', lastDay: '2026-11-03' }, 0, 0, 0.5);
    expect(lookAheadVi(empty, 0.5)).toBe('Dự báo: chưa có hồ sơ nào trong tháng 11/2026 để ước tính.');
  });
});
