
/** What a 401 tells the client (RFC 6750), as the `WWW-Authenticate` header. */
export function bearerChallenge(error?: 'invalid_request' | 'invalid_token', description?: string): string {
  const parts = ['Bearer realm="dvc-monitor"'];
  if (error) parts.push(`error="${error}"`);
  if (description) parts.push(`error_description="${description.replace(/["\\]/g, "'")}"`);
  return parts.join(', ');
}


/**
 * The token of an `Authorization: Bearer <token>` header. No header: null (the caller did not try). A header
 * given twice, another scheme, or a value that cannot be a JWT is an error, not "no token".
 */
export function bearerTokenOf(header: string | string[] | undefined): { token: string | null; problem?: string } {
  if (header === undefined) return { token: null };
  if (Array.isArray(header)) return { token: null, problem: 'give the Authorization header once' };
  const match = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)\s*$/i.exec(header);
  if (!match) return { token: null, problem: 'the Authorization header must be "Bearer" and a JWT access token' };
  return { token: match[1] };
}
