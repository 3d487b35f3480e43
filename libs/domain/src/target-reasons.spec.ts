import { explainEffectiveTarget } from './target-reasons';
import type { EffectiveTarget, TargetRule } from './targets';

const rule = (scope: TargetRule['scope'], severity: TargetRule['severity'] = 'warning', metric: TargetRule['metric'] = 'onlineRate'): TargetRule => ({
  id: 'r1',
  scope,
  metric,
  threshold: 0.5,
  severity,
  enabled: true,
});

describe('explainEffectiveTarget', () => {
  it('says in Vietnamese and English which rule applies to a whole agency, and why', () => {
    const effective: EffectiveTarget = { rule: rule({ kind: 'all' }, 'critical'), matchedBy: { kind: 'all' }, overridden: [] };
    expect(explainEffectiveTarget(effective, { agencyCode: '000.00.03.H31' })).toEqual({
      vi: 'quy tắc chung cho tất cả: quy tắc tỷ lệ hồ sơ trực tuyến mức nghiêm trọng cụ thể nhất đang bật cho toàn cơ quan 000.00.03.H31',
      en: 'rule for everything (scope all): the most specific enabled critical onlineRate rule for agency 000.00.03.H31 as a whole',
    });
  });

  it('names the subtree root and its distance, the procedure, and how many rules it took precedence over', () => {
    const subtree = rule({ kind: 'agency', agencyCode: '000.00.00.H31', includeSubtree: true }, 'warning', 'onTimeRate');
    const other = { rule: rule({ kind: 'all' }), matchedBy: { kind: 'all' as const } };
    const effective: EffectiveTarget = {
      rule: subtree,
      matchedBy: { kind: 'agencySubtree', subtreeRoot: { agencyCode: '000.00.00.H31', distance: 2 } },
      overridden: [other, other],
    };
    expect(explainEffectiveTarget(effective, { agencyCode: '000.01.02.H31', procedureCode: '1.001' })).toEqual({
      vi: 'quy tắc cho các đơn vị thuộc cơ quan 000.00.00.H31, trên 2 cấp: quy tắc tỷ lệ giải quyết đúng hạn mức cảnh báo cụ thể nhất đang bật cho thủ tục 1.001 tại cơ quan 000.01.02.H31; được ưu tiên hơn 2 quy tắc khác cũng khớp',
      en: 'rule for the subtree of agency 000.00.00.H31, 2 levels above: the most specific enabled warning onTimeRate rule for procedure 1.001 at agency 000.01.02.H31; it takes precedence over 2 other matching rules',
    });
  });

  it('writes online and agency levels as Vietnamese administrators say them', () => {
    const online: EffectiveTarget = { rule: rule({ kind: 'onlineLevel', onlineLevel: 'full' }), matchedBy: { kind: 'onlineLevel' }, overridden: [] };
    expect(explainEffectiveTarget(online, { agencyCode: 'A', procedureCode: 'P' }).vi).toMatch(/^quy tắc cho các thủ tục trực tuyến toàn trình:/);
    const level: EffectiveTarget = { rule: rule({ kind: 'agencyLevel', agencyLevel: 'commune' }), matchedBy: { kind: 'agencyLevel' }, overridden: [] };
    expect(explainEffectiveTarget(level, { agencyCode: 'A' }).vi).toMatch(/^quy tắc cho các cơ quan cấp xã:/);
  });
});
