import type { IndicatorFigure, IndicatorName } from './indicators';

/**
 * The points of Decision 766/QĐ-TTg's 100-point scoreboard that this project can compute from dossier events, and
 * for every other part why it cannot. The maxima and the conversions are those the national portal applies, as a
 * public project reconstructed them from the portal's own answers (ChippedTopaz/qd766, "Phân tích ngược điểm số"
 * and the portal's METRICS table; see ../shared/docs/indicators.md): evidence of practice, not legal text, hence
 * the formula version on every answer.
 *
 * - Progress (tiến độ giải quyết, 20): 20 × the 2.1 on-time rate. Computed.
 * - Online service and payment (22) = online payment (10) + online services (12):
 *   - payment = 6 × A + min(2, 2.5 × B) + 2.5 × C, A = dossiers paid online / dossiers with a financial
 *     obligation (our 3.6). A's 6 points are computed; B and C are shares of the fee-charging procedures of the
 *     national procedure database, which the event contract does not carry.
 *   - online services: the portal's table gives 12 points for the full-online rate (provinces), but the
 *     conversion was not reproducible from its answers, so none is invented here.
 * - Transparency (18), digitisation (22) and satisfaction (18): they count procedures published on time,
 *   synchronisation to the national portal, electronic results, digitised components, petitions and ratings — none
 *   of them in the event contract.
 */

export const SCORE_FORMULA_VERSION = 'qd766-score-v1';

export type ScoreGroupName = 'transparency' | 'progress' | 'onlineServiceAndPayment' | 'digitisation' | 'satisfaction';

export interface ScorePart {
  /** A stable key of the part. */
  part: string;
  nameVi: string;
  nameEn: string;
  maxPoints: number;
  /** The indicator the points come from, when they are computed. */
  indicator: IndicatorName | null;
  /** `null` when the part is not computable here, or its indicator has no denominator in the period. */
  points: number | null;
  computable: boolean;
  /** How the points are computed, or why they cannot be. */
  basisVi: string;
  basisEn: string;
}

export interface ScoreGroup {
  group: ScoreGroupName;
  nameVi: string;
  nameEn: string;
  maxPoints: number;
  parts: ScorePart[];
}

export interface ScoreCard {
  formulaVersion: string;
  /** The scoreboard's total: 100. */
  maxPoints: number;
  /** The points that can be computed from events at all (20 + 6), whatever the period holds. */
  computableMaxPoints: number;
  /** Points earned in the computable parts with a denominator in the period, out of `earnedOf`; `null` if none has one. */
  points: number | null;
  earnedOf: number;
  groups: ScoreGroup[];
}

const round2 = (value: number) => Math.round(value * 100) / 100;

interface PartDefinition {
  part: string;
  nameVi: string;
  nameEn: string;
  maxPoints: number;
  /** Computed parts: the indicator and the points at a given rate. */
  computed?: { indicator: IndicatorName; points: (rate: number) => number };
  basisVi: string;
  basisEn: string;
}

const NOT_IN_CONTRACT_VI = 'Không tính được: hợp đồng sự kiện không mang dữ liệu này';
const NOT_IN_CONTRACT_EN = 'Not computable: the event contract does not carry this data';

const GROUPS: ReadonlyArray<{ group: ScoreGroupName; nameVi: string; nameEn: string; maxPoints: number; parts: PartDefinition[] }> = [
  {
    group: 'transparency',
    nameVi: 'Công khai, minh bạch',
    nameEn: 'Transparency',
    maxPoints: 18,
    parts: [
      {
        part: 'transparency',
        nameVi: 'Công bố, công khai TTHC; đồng bộ hồ sơ với Cổng DVC quốc gia (1.4)',
        nameEn: 'Procedures published on time; dossiers synchronised to the national portal (1.4)',
        maxPoints: 18,
        basisVi: `${NOT_IN_CONTRACT_VI} (công bố TTHC, trạng thái đồng bộ với Cổng DVC quốc gia).`,
        basisEn: `${NOT_IN_CONTRACT_EN} (procedure publication, synchronisation status with the national portal).`,
      },
    ],
  },
  {
    group: 'progress',
    nameVi: 'Tiến độ giải quyết',
    nameEn: 'Progress of resolution',
    maxPoints: 20,
    parts: [
      {
        part: 'onTimeResolution',
        nameVi: 'Tỷ lệ hồ sơ xử lý đúng hạn (2.1)',
        nameEn: 'On-time resolution (2.1)',
        maxPoints: 20,
        computed: { indicator: 'onTimeResolution', points: (rate) => 20 * rate },
        basisVi: '20 × tỷ lệ 2.1',
        basisEn: '20 × the 2.1 rate',
      },
    ],
  },
  {
    group: 'onlineServiceAndPayment',
    nameVi: 'Dịch vụ công trực tuyến và thanh toán trực tuyến',
    nameEn: 'Online service and payment',
    maxPoints: 22,
    parts: [
      {
        part: 'onlinePaymentDossiers',
        nameVi: 'Hồ sơ thanh toán trực tuyến (3.6, phần A)',
        nameEn: 'Dossiers paid online (3.6, part A)',
        maxPoints: 6,
        computed: { indicator: 'onlinePayment', points: (rate) => 6 * rate },
        basisVi: '6 × tỷ lệ 3.6 (hồ sơ có thanh toán được coi là hồ sơ có phí, lệ phí)',
        basisEn: '6 × the 3.6 rate (a dossier with a payment counts as fee-charging)',
      },
      {
        part: 'onlinePaymentProcedures',
        nameVi: 'Thủ tục có phí đã có thanh toán trực tuyến, có hồ sơ (3.6, phần B và C)',
        nameEn: 'Fee-charging procedures paid online and with dossiers (3.6, parts B and C)',
        maxPoints: 4,
        basisVi: `${NOT_IN_CONTRACT_VI} (danh mục TTHC có phí, lệ phí của CSDL quốc gia về TTHC).`,
        basisEn: `${NOT_IN_CONTRACT_EN} (the national database's list of fee-charging procedures).`,
      },
      {
        part: 'onlineServices',
        nameVi: 'Dịch vụ công trực tuyến toàn trình (3.1–3.3)',
        nameEn: 'Full-online services (3.1–3.3)',
        maxPoints: 12,
        basisVi: 'Chưa tính: cách quy đổi tỷ lệ toàn trình ra điểm chưa được công bố (các tỷ lệ vẫn có trong bảng chỉ số).',
        basisEn: 'Not computed: how the full-online rate converts to points is not published (the rates are still in the indicator table).',
      },
    ],
  },
  {
    group: 'digitisation',
    nameVi: 'Số hóa hồ sơ',
    nameEn: 'Digitisation',
    maxPoints: 22,
    parts: [
      {
        part: 'digitisation',
        nameVi: 'Kết quả điện tử, số hóa thành phần hồ sơ, tái sử dụng dữ liệu',
        nameEn: 'Electronic results, digitised components, data reuse',
        maxPoints: 22,
        basisVi: `${NOT_IN_CONTRACT_VI} (kết quả điện tử, thành phần hồ sơ số hóa).`,
        basisEn: `${NOT_IN_CONTRACT_EN} (electronic results, digitised components).`,
      },
    ],
  },
  {
    group: 'satisfaction',
    nameVi: 'Mức độ hài lòng',
    nameEn: 'Satisfaction',
    maxPoints: 18,
    parts: [
      {
        part: 'satisfaction',
        nameVi: 'Phản ánh, kiến nghị; đánh giá hài lòng',
        nameEn: 'Petitions; satisfaction ratings',
        maxPoints: 18,
        basisVi: `${NOT_IN_CONTRACT_VI} (phản ánh, kiến nghị và đánh giá của người dân).`,
        basisEn: `${NOT_IN_CONTRACT_EN} (petitions and citizens' ratings).`,
      },
    ],
  },
];

/** The scoreboard points of one set of indicator figures (`computeIndicators`' answer). */
export function scoreCard(figures: Record<IndicatorName, Pick<IndicatorFigure, 'value' | 'unit'>>): ScoreCard {
  let points = 0;
  let earnedOf = 0;
  let anyEarned = false;
  let computableMaxPoints = 0;
  const groups = GROUPS.map((group) => ({
    group: group.group,
    nameVi: group.nameVi,
    nameEn: group.nameEn,
    maxPoints: group.maxPoints,
    parts: group.parts.map((definition): ScorePart => {
      let partPoints: number | null = null;
      if (definition.computed) {
        computableMaxPoints += definition.maxPoints;
        const figure = figures[definition.computed.indicator];
        if (figure.unit !== 'ratio') throw new RangeError(`${definition.computed.indicator} is not a ratio`);
        if (figure.value !== null) {
          partPoints = round2(Math.min(definition.maxPoints, definition.computed.points(figure.value)));
          points += partPoints;
          earnedOf += definition.maxPoints;
          anyEarned = true;
        }
      }
      return {
        part: definition.part,
        nameVi: definition.nameVi,
        nameEn: definition.nameEn,
        maxPoints: definition.maxPoints,
        indicator: definition.computed?.indicator ?? null,
        points: partPoints,
        computable: definition.computed !== undefined,
        basisVi: definition.basisVi,
        basisEn: definition.basisEn,
      };
    }),
  }));
  return { formulaVersion: SCORE_FORMULA_VERSION, maxPoints: 100, computableMaxPoints, points: anyEarned ? round2(points) : null, earnedOf, groups };
}
