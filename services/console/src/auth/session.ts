import 'express-session';

/** A sign-in under way: what the callback must find again (RFC 9700: state, nonce and the PKCE verifier). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** A path of this console to return to (never an absolute URL: no open redirect). */
  returnTo: string;
  startedAt: number;
}

/** The signed-in person. Tokens stay on the server (in Redis); the browser holds only the session cookie. */
export interface SignedInUser {
  accessToken: string;
  refreshToken: string | null;
  idToken: string | null;
  /** Epoch milliseconds when the access token expires. */
  accessTokenExpiresAt: number;
  /** For the logs; who they are and what they may is read from the verified access token on every request. */
  subject: string;
}

declare module 'express-session' {
  interface SessionData {
    signIn?: PendingSignIn;
    user?: SignedInUser;
    /** The synchronizer token every form of this session carries (CSRF). */
    csrfToken?: string;
  }
}

/** Only a path of this console, starting with one slash, is a place to return to. */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || value.length > 2_000) return '/';
  if (/[\u0000-\u001f]/.test(value) || value.startsWith('/auth/') || value.startsWith('/login')) return '/';
  return value;
}
