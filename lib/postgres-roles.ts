/**
 * The roles of one PostgreSQL database must be distinct. (Which names PostgreSQL itself
 * reserves is checked by validatePostgresIdentifier in prop-checks.ts.)
 */
import { ValidationError } from './prop-checks';

/** One role of a database and the field (as the user wrote it) that names it. */
export interface NamedRole {
  readonly field: string;
  /** What the role is for, e.g. `the app's user`. */
  readonly purpose: string;
  readonly name: string;
}

/**
 * Refuses two purposes sharing one role: each role has its own password (Secret key) and
 * privileges, and the bootstrap sets each role's password on every start. The replication
 * user equal to the app's user would make `ALTER ROLE <app user> WITH REPLICATION ...
 * PASSWORD <replication password>` run at every primary start: the app's password would
 * silently stop matching its Secret. Reports the later of the two fields.
 */
export function validateDistinctRoles(roles: readonly NamedRole[]): void {
  roles.forEach((role, i) => {
    const earlier = roles.slice(0, i).find((r) => r.name === role.name);
    if (earlier !== undefined) {
      throw new ValidationError(role.field, role.name,
        `Must differ from ${earlier.purpose} (${earlier.field} is also "${role.name}"): each role has its own password and privileges, `
        + `and one role for both would make the bootstrap set ${earlier.purpose}'s password to ${role.purpose}'s on every start.`);
    }
  });
}
