/**
 * A database password as everything that reads it accepts it:
 * - the app (app/config.go readPasswordFile) refuses a password file over 64 KiB
 *   (65,536 bytes) and one that is blank (only white space);
 * - the bootstrap and standby scripts read it as one line, and the backup writes it into a
 *   libpq password file (.pgpass), one entry per line: a newline or another control
 *   character would cut it or change it; PostgreSQL cannot store a NUL;
 * - U+FFFD (the replacement character) means the text was not valid UTF-8 when it was
 *   read: Node.js replaces such bytes in DB_PASSWORD or an argument with U+FFFD, so the
 *   password would silently be another one. A lone UTF-16 surrogate (from JSON) would be
 *   written as U+FFFD too.
 */
import { utf8Bytes } from './object-size';
import { ValidationError } from './prop-checks';

/** app/config.go maxPasswordFileBytes. */
export const MAX_PASSWORD_BYTES = 64 * 1024;

/** Go's unicode.IsSpace: what strings.TrimSpace removes when the app checks for a blank password. */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/u;

/** Why `password` would be refused or changed on its way, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length === 0) return 'it is empty';
  if (GO_SPACE.test(password)) return 'it is only white space, which the app refuses as blank';
  const bytes = utf8Bytes(password);
  if (bytes > MAX_PASSWORD_BYTES) return `it is ${bytes} bytes; the app reads at most ${MAX_PASSWORD_BYTES} (64 KiB)`;
  const control = /\p{Cc}/u.exec(password);
  if (control !== null) {
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `it contains the control character U+${code}${control[0] === '\n' ? ' (a newline)' : ''} at position ${control.index + 1}, which would cut or change it in the scripts' one-line password files`;
  }
  if (/[\uD800-\uDFFF]/u.test(password)) return 'it contains a lone UTF-16 surrogate, which would be written as U+FFFD: a different password';
  if (password.includes('\uFFFD')) {
    return 'it contains U+FFFD, the replacement character: the text was not valid UTF-8 when it was read (Node.js replaces such bytes), so it is not the password that was meant';
  }
  return undefined;
}

/** A password the app, the scripts and PostgreSQL all take unchanged (see the file comment). */
export function validatePassword(field: string, value: string): string {
  const allowed = 'Must be a password of 1-65536 bytes of valid UTF-8 text, not only white space, without newlines or other control characters.';
  if (typeof value !== 'string') throw new ValidationError(field, typeof value, allowed);
  const problem = passwordProblem(value);
  const bytes = utf8Bytes(value);
  if (problem !== undefined) throw new ValidationError(field, `<redacted, ${bytes} byte${bytes === 1 ? '' : 's'}>`, `${allowed} Here ${problem}.`);
  return value;
}
