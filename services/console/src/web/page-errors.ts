/* The two ways a console page does not render: no session, or an error page (kept apart from the guard so that pure
   code and its unit tests need not load the OIDC client). */

/** No session (or it ended): the browser goes to sign in, and comes back to `returnTo` afterwards. */
export class SignInRequired extends Error {
  constructor(readonly returnTo: string) {
    super('sign-in required');
  }
}

/** A page that cannot be shown: the status, and the message key the error page says it with. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    readonly messageKey: string,
    readonly detail: string | null = null,
  ) {
    super(detail ?? messageKey);
  }
}
