import type { AgencyLevel } from '@dvc/contracts';
import type { EffectiveTarget, TargetMatch, TargetRule, TargetSubject } from './targets';

/**
 * Why an effective target applies to a subject, in words an administrator reads: in Vietnamese (the console's first
 * language, the e-mails') and in English (the API's `reason` since targets first had one).
 */
export interface TargetReason {
  vi: string;
  en: string;
}

const SEVERITY_VI = { critical: 'mức nghiêm trọng', warning: 'mức cảnh báo' } as const;
const METRIC_VI = { onlineRate: 'tỷ lệ hồ sơ trực tuyến', onTimeRate: 'tỷ lệ giải quyết đúng hạn' } as const;
const ONLINE_LEVEL_VI = { full: 'toàn trình', partial: 'một phần' } as const;
const AGENCY_LEVEL_VI: Record<AgencyLevel, string> = {
  ministry: 'bộ, ngành',
  province: 'tỉnh',
  department: 'sở, ngành',
  district: 'huyện',
  commune: 'xã',
  other: 'khác',
};

function levelsEn(distance: number): string {
  return `${distance} level${distance === 1 ? '' : 's'}`;
}

function describeMatch(rule: TargetRule, matchedBy: TargetMatch): TargetReason {
  const scope = rule.scope;
  switch (matchedBy.kind) {
    case 'agencyProcedure':
      return scope.kind === 'agencyProcedure'
        ? { vi: `quy tắc cho thủ tục ${scope.procedureCode} tại cơ quan ${scope.agencyCode}`, en: `rule for procedure ${scope.procedureCode} at agency ${scope.agencyCode}` }
        : { vi: 'quy tắc theo cơ quan và thủ tục', en: 'agency × procedure rule' };
    case 'procedure':
      return scope.kind === 'procedure'
        ? { vi: `quy tắc cho thủ tục ${scope.procedureCode} ở mọi cơ quan`, en: `rule for procedure ${scope.procedureCode} at every agency` }
        : { vi: 'quy tắc theo thủ tục', en: 'procedure rule' };
    case 'agency':
      return scope.kind === 'agency'
        ? { vi: `quy tắc cho riêng cơ quan ${scope.agencyCode}`, en: `rule for agency ${scope.agencyCode} itself` }
        : { vi: 'quy tắc theo cơ quan', en: 'agency rule' };
    case 'agencySubtree': {
      const root = matchedBy.subtreeRoot;
      if (!root) return { vi: 'quy tắc cho một cơ quan và các đơn vị trực thuộc', en: 'agency subtree rule' };
      return root.distance === 0
        ? { vi: `quy tắc cho cơ quan ${root.agencyCode} và các đơn vị trực thuộc (chính cơ quan này)`, en: `rule for agency ${root.agencyCode} and its subtree (the agency itself)` }
        : { vi: `quy tắc cho các đơn vị thuộc cơ quan ${root.agencyCode}, trên ${root.distance} cấp`, en: `rule for the subtree of agency ${root.agencyCode}, ${levelsEn(root.distance)} above` };
    }
    case 'onlineLevel':
      return scope.kind === 'onlineLevel'
        ? { vi: `quy tắc cho các thủ tục trực tuyến ${ONLINE_LEVEL_VI[scope.onlineLevel]}`, en: `rule for procedures offered online at level ${scope.onlineLevel}` }
        : { vi: 'quy tắc theo mức độ trực tuyến', en: 'online level rule' };
    case 'agencyLevel':
      return scope.kind === 'agencyLevel'
        ? { vi: `quy tắc cho các cơ quan cấp ${AGENCY_LEVEL_VI[scope.agencyLevel]}`, en: `rule for agencies at level ${scope.agencyLevel}` }
        : { vi: 'quy tắc theo cấp cơ quan', en: 'agency level rule' };
    case 'all':
      return { vi: 'quy tắc chung cho tất cả', en: 'rule for everything (scope all)' };
  }
}

/** Why `effective` applies to `subject`: which rule, why it is the one, and how many others it took precedence over. */
export function explainEffectiveTarget(effective: EffectiveTarget, subject: Pick<TargetSubject, 'agencyCode' | 'procedureCode'>): TargetReason {
  const { rule, matchedBy } = effective;
  const what = describeMatch(rule, matchedBy);
  const others = effective.overridden.length;
  const whom =
    subject.procedureCode === undefined
      ? { vi: `toàn cơ quan ${subject.agencyCode}`, en: `agency ${subject.agencyCode} as a whole` }
      : { vi: `thủ tục ${subject.procedureCode} tại cơ quan ${subject.agencyCode}`, en: `procedure ${subject.procedureCode} at agency ${subject.agencyCode}` };
  return {
    vi:
      `${what.vi}: quy tắc ${METRIC_VI[rule.metric]} ${SEVERITY_VI[rule.severity]} cụ thể nhất đang bật cho ${whom.vi}` +
      (others ? `; được ưu tiên hơn ${others} quy tắc khác cũng khớp` : ''),
    en:
      `${what.en}: the most specific enabled ${rule.severity} ${rule.metric} rule for ${whom.en}` +
      (others ? `; it takes precedence over ${others} other matching rule${others === 1 ? '' : 's'}` : ''),
  };
}
