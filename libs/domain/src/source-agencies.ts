/**
 * Which agencies an ingest source may speak for. A registered one-stop system (an HTTP API key or a Kafka
 * producer with its own topic) is bound to a list of entries, each either
 *
 * - an agency code, `000.00.03.H31`: that agency and every agency below it in the hierarchy, or
 * - a code pattern with `*` wildcards, `*.H31` (every code of the province suffix H31): the codes it matches,
 *   whatever the hierarchy says.
 *
 * An event about any other agency is rejected with the reason {@link AGENCY_NOT_ALLOWED} and counted nowhere.
 * The hierarchy is the one already recorded (table `agencies`), never the event's own claim, so a source cannot
 * move a foreign agency under itself; only an agency not yet seen is placed by the parent the event names, and
 * that parent must itself be allowed. Pure functions: ingest looks the recorded ancestors up in SQL.
 */

/** The rejection reason (a stable code, at the start of the dead-letter reason text). */
export const AGENCY_NOT_ALLOWED = 'agency-not-allowed-for-source';

/** Rejection codes of the source checks of ingest, beside the contract's own validation. */
export const SOURCE_REJECTIONS = {
  agencyNotAllowed: AGENCY_NOT_ALLOWED,
  sourceMismatch: 'source-not-registered-for-channel',
  sourceRevoked: 'source-revoked',
  unknownSource: 'source-not-registered',
} as const;

/** A Kafka source key: its topic is `<input topic>.<key>` and its broker principal `src-<key>` (deploy/kafka). */
export const SOURCE_KEY_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

const ENTRY_PATTERN = /^[A-Za-z0-9.*_-]{1,64}$/;
const MAX_ENTRIES = 200;

export interface AgencyBinding {
  /** The entries as registered, for messages. */
  readonly entries: readonly string[];
  /** Exact codes: each stands for its subtree. */
  readonly roots: ReadonlySet<string>;
  readonly patterns: readonly RegExp[];
}

/** Problems with a list of entries (empty when it is valid), for a precise 400. */
export function agencyEntryProblems(entries: readonly string[]): string[] {
  const problems: string[] = [];
  if (entries.length === 0) problems.push('at least one agency code or pattern is required');
  if (entries.length > MAX_ENTRIES) problems.push(`at most ${MAX_ENTRIES} entries`);
  entries.forEach((entry, index) => {
    if (!ENTRY_PATTERN.test(entry)) {
      problems.push(`[${index}] "${entry}" must be 1–64 characters of letters, digits, ".", "-", "_" and the wildcard "*"`);
    } else if (/^\*+$/.test(entry.replace(/\./g, ''))) {
      // "*" or "*.*" would let a source speak for every agency of every province: name the province at least.
      problems.push(`[${index}] "${entry}" matches every code; name at least one fixed part, e.g. "*.H31"`);
    }
  });
  return problems;
}

export function compileAgencyBinding(entries: readonly string[]): AgencyBinding {
  const roots = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of entries) {
    if (entry.includes('*')) {
      const source = entry
        .split('*')
        .map((part) => part.replace(/[.\\^$+?()[\]{}|-]/g, '\\$&'))
        .join('.*');
      patterns.push(new RegExp(`^${source}$`));
    } else {
      roots.add(entry);
    }
  }
  return { entries: [...entries], roots, patterns };
}

/** True when a pattern or a root matches the code itself, without the hierarchy. */
export function matchesDirectly(binding: AgencyBinding, code: string): boolean {
  return binding.roots.has(code) || binding.patterns.some((pattern) => pattern.test(code));
}

/** What the database knows about an agency: whether it was seen, and its recorded ancestors (parent first). */
export interface RecordedAgency {
  known: boolean;
  ancestors: readonly string[];
}

export type RecordedHierarchy = (code: string) => RecordedAgency;

const UNKNOWN: RecordedAgency = { known: false, ancestors: [] };
const MAX_DEPTH = 32;

/**
 * The recorded hierarchy, with agencies it does not know yet placed by the parents this batch's own events name:
 * a system connecting for the first time sends a district and its communes together, before the aggregator has
 * recorded either. Only unknown agencies are placed this way; a recorded agency keeps its recorded ancestors.
 */
export function batchHierarchy(
  recorded: ReadonlyMap<string, RecordedAgency>,
  agencies: ReadonlyArray<{ code: string; parentCode: string | null }>,
): RecordedHierarchy {
  const claimedParents = new Map<string, string>();
  for (const agency of agencies) {
    if (agency.parentCode !== null && !recorded.get(agency.code)?.known) claimedParents.set(agency.code, agency.parentCode);
  }
  return (code) => {
    const known = recorded.get(code);
    if (known?.known) return known;
    const ancestors: string[] = [];
    for (let parent = claimedParents.get(code); parent !== undefined && ancestors.length < MAX_DEPTH; parent = claimedParents.get(parent)) {
      if (ancestors.includes(parent)) break;
      ancestors.push(parent);
      const recordedParent = recorded.get(parent);
      if (recordedParent?.known) {
        ancestors.push(...recordedParent.ancestors);
        break;
      }
    }
    return ancestors.length ? { known: false, ancestors } : UNKNOWN;
  };
}

/** Whether a code is in the binding: directly, or through an ancestor the database records. */
function reaches(binding: AgencyBinding, code: string, hierarchy: RecordedHierarchy): boolean {
  return matchesDirectly(binding, code) || hierarchy(code).ancestors.some((ancestor) => binding.roots.has(ancestor));
}

/** The codes whose recorded ancestors a decision needs (direct matches need none). */
export function codesNeedingHierarchy(binding: AgencyBinding, agencies: ReadonlyArray<{ code: string; parentCode: string | null }>): string[] {
  const codes = new Set<string>();
  if (binding.roots.size === 0) return [];
  for (const agency of agencies) {
    if (!matchesDirectly(binding, agency.code)) codes.add(agency.code);
    if (agency.parentCode !== null && !matchesDirectly(binding, agency.parentCode)) codes.add(agency.parentCode);
  }
  return [...codes];
}

export type AgencyDecision = { allowed: true } | { allowed: false; field: 'data.agency.code' | 'data.agency.parentCode'; reason: string };

/**
 * May a source bound to `binding` report an event about `agency` (as the event describes it)?
 *
 * - The agency must be in the binding: matched by a pattern or a root, or below a root in the recorded hierarchy;
 *   an agency never seen counts as below its named parent, and that parent must be in the binding.
 * - The parent the event names must also be in the binding, unless the agency is itself a root or matched by a
 *   pattern (a root's parent is outside by definition) and the parent is the one recorded (or none is recorded):
 *   otherwise the source could re-hang agencies, and with them roll-ups, under parents of other agencies.
 */
export function decideAgency(
  binding: AgencyBinding,
  sourceUri: string,
  agency: { code: string; parentCode: string | null },
  hierarchy: RecordedHierarchy,
): AgencyDecision {
  const allowedList = binding.entries.join(', ');
  const refuse = (field: 'data.agency.code' | 'data.agency.parentCode', what: string): AgencyDecision => ({
    allowed: false,
    field,
    reason: `${AGENCY_NOT_ALLOWED}: ${what}; source ${JSON.stringify(sourceUri)} may report only for ${allowedList}`,
  });
  const recorded = hierarchy(agency.code);
  const parentAllowed = agency.parentCode === null || reaches(binding, agency.parentCode, hierarchy);
  const inBinding = recorded.known
    ? reaches(binding, agency.code, hierarchy)
    : matchesDirectly(binding, agency.code) || (agency.parentCode !== null && parentAllowed);
  if (!inBinding) return refuse('data.agency.code', `agency ${agency.code} is outside the agencies of this source`);
  if (parentAllowed) return { allowed: true };
  const recordedParent = recorded.ancestors[0] ?? null;
  const isTop = matchesDirectly(binding, agency.code);
  if (isTop && (recordedParent === null || recordedParent === agency.parentCode)) return { allowed: true };
  return refuse('data.agency.parentCode', `parent ${agency.parentCode} of agency ${agency.code} is outside the agencies of this source`);
}
