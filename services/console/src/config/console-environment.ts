import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { oidcEnvironment } from '@dvc/auth';
import { commonEnvironment, httpEnvironment } from '@dvc/config';

const origin = (what: string) =>
  z
    .url({ protocol: /^https?$/ })
    .transform((value) => value.replace(/\/+$/, ''))
    .refine((value) => new URL(value).pathname === '/' || new URL(value).pathname === '', `${what} must be an origin without a path`);

/**
 * The console's environment: HTTP on 3005, the identity provider it signs people in with (the OIDC_* variables
 * the API uses, plus the browser client), the API it reads and writes through, and its sessions (kept in Redis).
 */
export const consoleEnvironment = commonEnvironment
  .extend({
    ...httpEnvironment(3005).shape,
    ...oidcEnvironment.shape,
    /** The console as the browser reaches it: the redirect URI registered at the provider is `<this>/auth/callback`. */
    CONSOLE_PUBLIC_URL: origin('CONSOLE_PUBLIC_URL').default('http://127.0.0.1:3005'),
    /** The API the console calls with the signed-in person's own token (so the API decides what they see). */
    CONSOLE_API_URL: z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, '')).default('http://127.0.0.1:3000'),
    /** The public OIDC client of the console: authorization code + PKCE (S256), no secret. */
    OIDC_CLIENT_ID: z.string().min(1).default('dvc-console'),
    /**
     * Where the console itself reaches the provider when that differs from the issuer's address (a container network):
     * token, discovery and key requests go there; the browser still goes to the issuer's address.
     */
    OIDC_INTERNAL_URL: origin('OIDC_INTERNAL_URL').optional(),
    /** Signs the session cookie. Unset: a random one per process (every restart signs everyone out). */
    CONSOLE_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    CONSOLE_SESSION_SECRET_FILE: z.string().min(1).optional(),
    /** A session unused for this long ends (the provider's own SSO session may end it sooner). */
    CONSOLE_SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).max(24 * 60).default(30),
    /** `Secure` cookies; default: when CONSOLE_PUBLIC_URL is https. */
    CONSOLE_COOKIE_SECURE: z.enum(['true', 'false', 'auto']).default('auto'),
    /** Debian's chromium renders the A4 reports (playwright-core; no browser is downloaded). */
    CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
    /** Largest form body, bytes. */
    CONSOLE_MAX_BODY_BYTES: z.coerce.number().int().min(1_024).max(1024 * 1024).default(16 * 1024),
    /** How long one API call may take before the page shows an error. */
    CONSOLE_API_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  })
  .transform((environment, context) => {
    let secret = environment.CONSOLE_SESSION_SECRET;
    if (!secret && environment.CONSOLE_SESSION_SECRET_FILE) {
      try {
        secret = readFileSync(environment.CONSOLE_SESSION_SECRET_FILE, 'utf8').trim();
      } catch (error) {
        context.addIssue({ code: 'custom', path: ['CONSOLE_SESSION_SECRET_FILE'], message: `cannot be read: ${(error as Error).message}` });
        return z.NEVER;
      }
      if (secret.length < 32) {
        context.addIssue({ code: 'custom', path: ['CONSOLE_SESSION_SECRET_FILE'], message: 'must hold at least 32 characters' });
        return z.NEVER;
      }
    }
    const secure = environment.CONSOLE_COOKIE_SECURE === 'auto' ? environment.CONSOLE_PUBLIC_URL.startsWith('https:') : environment.CONSOLE_COOKIE_SECURE === 'true';
    return { ...environment, CONSOLE_SESSION_SECRET: secret, cookieSecure: secure };
  });

export type ConsoleEnvironment = z.output<typeof consoleEnvironment>;
