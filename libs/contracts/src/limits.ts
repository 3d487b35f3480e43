/**
 * Size limits of the v1 contract. Lengths are in Unicode code points (names after NFC); the whole
 * event is in UTF-8 bytes of its JSON. Anything beyond them is rejected, never truncated.
 */
export const LIMITS = {
  /** `dossierCode`, `subject`, `procedure.code`, `agency.code`, `agency.parentCode`. */
  code: 64,
  id: 256,
  source: 1024,
  /** `procedure.name`, `agency.name`. */
  name: 512,
  sector: 256,
  /** The whole event as JSON (structured) or value plus headers (Kafka binary), in bytes. */
  eventBytes: 64 * 1024,
  /**
   * Objects and arrays inside one another in an event (the contract's own fields go 3 deep). Deeper JSON
   * is refused before it is read: `JSON.stringify` of a few thousand levels overflows the stack.
   */
  nestingDepth: 64,
} as const;
