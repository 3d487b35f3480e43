import { AgencyScope, Permission, Role, grants } from '@dvc/domain';

/** The caller, as its verified token describes it. */
export interface Principal {
  /** The token's `sub`: stable, unique at the issuer. */
  readonly subject: string;
  /** For people: the name; for machine clients: the client id. Shown in audit trails beside the subject. */
  readonly name: string;
  readonly roles: readonly Role[];
  readonly scope: AgencyScope;
}

/** Who made a change, as the audit trail records it. */
export interface Actor {
  readonly subject: string;
  readonly name: string;
}

export function actorOf(principal: Principal): Actor {
  return { subject: principal.subject, name: principal.name };
}

export function may(principal: Principal, permission: Permission): boolean {
  return grants(principal.roles, permission);
}
