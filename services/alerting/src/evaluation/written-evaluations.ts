import { createHash } from 'node:crypto';

/**
 * What each open alert's `last_evaluation` is known to hold, by the version of its row: PostgreSQL's
 * `xmin`, which every update of the row changes (an acknowledgement, another instance's evaluation, a
 * resolution). A sweep keeps a province's open alerts open with the same numbers sweep after sweep;
 * sending all of them to PostgreSQL only for `IS DISTINCT FROM` to leave them alone cost about 2 s a sweep
 * on the bench's 80 k open alerts. With this, an evaluation is sent only when the row changed since this
 * process last wrote (or found) it, or when its digest differs — so the database ends as it did before.
 *
 * Process memory only: after a restart, or for a row this process never wrote, the evaluation is sent as
 * before. An entry of a transaction that rolled back names a version no row has, so it is never trusted.
 */
export class WrittenEvaluations {
  private readonly known = new Map<string, { version: string; digest: string }>();

  /** The digest an evaluation is compared by: of its JSON, as the repository sends it. */
  static digest(evaluation: unknown): string {
    return createHash('sha256').update(JSON.stringify(evaluation)).digest('base64');
  }

  /**
   * Of `updates` to alerts read at `versions`, those that may change a row (the rest hold exactly this
   * evaluation already), each with its digest.
   */
  toWrite<T extends { id: string; evaluation: unknown }>(updates: readonly T[], versions: ReadonlyMap<string, string>): Array<T & { digest: string }> {
    const result: Array<T & { digest: string }> = [];
    for (const update of updates) {
      const digest = WrittenEvaluations.digest(update.evaluation);
      const known = this.known.get(update.id);
      if (known && known.digest === digest && known.version === versions.get(update.id)) continue;
      result.push({ ...update, digest });
    }
    return result;
  }

  /** After the writes: each row now holds `digest`, at `version`. */
  remember(id: string, version: string, digest: string): void {
    this.known.set(id, { version, digest });
  }

  /** Alerts no longer open (or not seen by a sweep over every agency) are dropped, so the map stays bounded. */
  keepOnly(openIds: ReadonlySet<string>): void {
    for (const id of this.known.keys()) if (!openIds.has(id)) this.known.delete(id);
  }

  get size(): number {
    return this.known.size;
  }
}
