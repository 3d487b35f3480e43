import { encodeCursor } from './cursor.util';

export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

/**
 * Builds a page from rows fetched with `limit + 1`: the extra row only tells that another page
 * exists, and the cursor is the sort key of the last row shown.
 */
export function toPage<Row, Item>(rows: Row[], limit: number, sortKey: (row: Row) => string[], toItem: (row: Row) => Item): Page<Item> {
  const shown = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? encodeCursor(sortKey(shown[shown.length - 1])) : null;
  return { items: shown.map(toItem), nextCursor };
}
