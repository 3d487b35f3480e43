import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import { IndicatorName, INDICATORS, SCORE_FORMULA_VERSION } from '@dvc/domain';
import type { IndicatorsAnswer } from './indicators.service';

/**
 * The indicator table of a period and subtree as a report: one row per agency (then the subtree's total), headings
 * in Vietnamese with the English in brackets, each indicator as value, numerator and denominator, and the period's
 * status, then the scoreboard points that can be computed (score-points.ts: of 2.1 and 3.6 part A) and the most they
 * could have been. CSV is UTF-8 with a byte-order mark so that Excel shows the diacritics; ratios are decimals (0.2787).
 */

const REPORTED: IndicatorName[] = ['onlineSubmission', 'fullOnline', 'onTimeResolution', 'averageResolutionDays', 'onlinePayment', 'proceduresOnline', 'onlineServicesUsed'];

const STATUS_VI = { provisional: 'Tạm tính (provisional)', final: 'Chính thức (final)' } as const;

export function reportHeadings(): string[] {
  const headings = ['Kỳ báo cáo (period)', 'Trạng thái số liệu (status)', 'Mã cơ quan (agency code)', 'Tên cơ quan (agency)'];
  for (const name of REPORTED) {
    const { code, nameVi, unit } = INDICATORS[name];
    headings.push(`${code} ${nameVi}${unit === 'days' ? ' (ngày)' : ''}`, `${code} Tử số (numerator)`, `${code} Mẫu số (denominator)`);
  }
  headings.push('Điểm Bộ chỉ số 766 tính được (computed points)', 'Trên tối đa (out of)', 'Phiên bản công thức (formula versions)');
  return headings;
}

export interface ReportTable {
  headings: string[];
  rows: Array<Array<string | number | null>>;
}

export function reportTable(byAgency: IndicatorsAnswer, total: IndicatorsAnswer, totalLabel: string): ReportTable {
  const status = STATUS_VI[byAgency.status] + (byAgency.revisedAfterFinal ? ' — đã điều chỉnh sau khi chốt (revised after final)' : '');
  const versions = [...REPORTED.map((name) => byAgency.formulaVersions[name]), SCORE_FORMULA_VERSION].join(' ');
  const rowOf = (code: string, name: string, item: IndicatorsAnswer['items'][number] | undefined) => {
    const cells: Array<string | number | null> = [byAgency.period, status, code, name];
    for (const indicator of REPORTED) {
      const figure = item?.indicators[indicator];
      cells.push(figure?.value ?? null, figure?.numerator ?? 0, figure?.denominator ?? 0);
    }
    cells.push(item?.score.points ?? null, item?.score.earnedOf ?? 0, versions);
    return cells;
  };
  const rows = byAgency.items.map((item) => rowOf(item.agencyCode ?? '', item.agencyName ?? '', item));
  rows.push(rowOf(total.items[0]?.agencyCode ?? '', totalLabel, total.items[0]));
  return { headings: reportHeadings(), rows };
}

export function toCsv(table: ReportTable): Buffer {
  const text = stringify([table.headings, ...table.rows.map((row) => row.map((cell) => (cell === null ? '' : cell)))], { record_delimiter: 'windows' });
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}

export async function toXlsx(table: ReportTable, title: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'dvc-monitor';
  const sheet = workbook.addWorksheet('Chỉ số', { views: [{ state: 'frozen', ySplit: 2, xSplit: 4 }] });
  sheet.addRow([title]).font = { bold: true, size: 13 };
  const heading = sheet.addRow(table.headings);
  heading.font = { bold: true };
  heading.alignment = { wrapText: true, vertical: 'top' };
  for (const row of table.rows) sheet.addRow(row);
  sheet.getColumn(4).width = 40;
  REPORTED.forEach((name, index) => {
    const column = sheet.getColumn(5 + index * 3);
    column.numFmt = INDICATORS[name].unit === 'ratio' ? '0.00%' : '0.00';
    column.width = 16;
  });
  sheet.lastRow!.font = { bold: true };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
