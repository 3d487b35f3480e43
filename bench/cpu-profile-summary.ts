/**
 * The top costs of a V8 CPU profile (`node --cpu-prof`, as `BENCH_CPU_PROF_DIR` makes the bench's services
 * write them), as a Markdown table: self time per function, and per "where" (a package of node_modules, a
 * file of ours, or V8/Node internals), biggest first.
 *
 *   node dist/bench/cpu-profile-summary.js <file.cpuprofile> [rows=15]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface CostRow {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  byFunction: CostRow[];
  byPlace: CostRow[];
}

/** node_modules/<package> (scoped packages whole), our file relative to the build, or the V8/Node bucket. */
export function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(V8/native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + 'node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  if (url.startsWith('node:')) return '(node core)';
  const build = url.search(/\/dist\//);
  return build >= 0 ? url.slice(build + '/dist/'.length) : url.replace(/^file:\/\//, '');
}

export function summariseProfile(profile: CpuProfile, rows = 15): ProfileSummary {
  const selfMicros = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; charge it to the sample's node.
  profile.samples.forEach((nodeId, index) => selfMicros.set(nodeId, (selfMicros.get(nodeId) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let totalMicros = 0;
  let idleMicros = 0;
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0;
    if (micros === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    totalMicros += micros;
    if (functionName === '(idle)') {
      idleMicros += micros;
      continue;
    }
    const place = placeOf(url, functionName);
    const name = `${functionName || '(anonymous)'} — ${place}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
  }
  const busyMicros = totalMicros - idleMicros;
  const top = (costs: Map<string, number>) =>
    [...costs]
      .sort((a, b) => b[1] - a[1])
      .slice(0, rows)
      .map(([name, micros]) => ({ name, selfMs: micros / 1000, share: busyMicros > 0 ? micros / busyMicros : 0 }));
  return { totalMs: totalMicros / 1000, idleMs: idleMicros / 1000, byFunction: top(byFunction), byPlace: top(byPlace) };
}

export function renderSummary(title: string, summary: ProfileSummary): string {
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
  const table = (heading: string, costs: CostRow[]) => [
    `| ${heading} | self ms | share of busy |`,
    '|---|---:|---:|',
    ...costs.map((row) => `| ${row.name.replace(/\|/g, '\\|')} | ${row.selfMs.toFixed(0)} | ${percent(row.share)} |`),
  ];
  const busy = summary.totalMs - summary.idleMs;
  return [
    `**${title}**: ${(summary.totalMs / 1000).toFixed(1)} s profiled, ${(busy / 1000).toFixed(1)} s busy on the main thread.`,
    '',
    ...table('where', summary.byPlace),
    '',
    ...table('function', summary.byFunction),
    '',
  ].join('\n');
}

if (require.main === module) {
  const [file, rows] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/cpu-profile-summary.js <file.cpuprofile> [rows]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  process.stdout.write(renderSummary(file, summariseProfile(profile, rows ? Number(rows) : 15)));
}
