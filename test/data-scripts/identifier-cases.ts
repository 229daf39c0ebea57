/**
 * Writes the role names and passwords test/data-scripts/roles.sh tries on a real
 * PostgreSQL: generated around the edges (fast-check, fixed seed) and sorted by what
 * synth says of them (lib/prop-checks.ts validatePostgresIdentifier, lib/passwords.ts).
 *
 *   <dir>/roles-accepted     role names synth accepts, one per line
 *   <dir>/roles-reserved     names synth refuses as reserved by PostgreSQL, one per line
 *   <dir>/passwords/<n>      passwords synth accepts, one file each (no newline added)
 *
 * Usage: node --import tsx test/data-scripts/identifier-cases.ts <dir>
 */
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { passwordProblem } from '../../lib/passwords';
import { RESERVED_ROLE_NAMES, ValidationError, validatePostgresIdentifier } from '../../lib/prop-checks';

const [dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: identifier-cases.ts <dir>');
const accepts = (name: string) => {
  try {
    validatePostgresIdentifier('role', name, 'role');
    return true;
  } catch (err) {
    if (err instanceof ValidationError) return false;
    throw err;
  }
};

const nameChars = fc.constantFrom(...'abcxyz_019'.split(''), 'pg_', 'user', 'select', 'all', 'public', 'current_');
const names = fc.sample(fc.array(nameChars, { minLength: 1, maxLength: 6 }).map((a) => a.join('').slice(0, 63)), { numRuns: 120, seed: 7 });
const candidates = [...new Set([...names, ...RESERVED_ROLE_NAMES, 'pg_x', 'pg_', 'postgres', 'guestbook', 'replicator', 'user', 'select', 'all', 'a'.repeat(63), '_'])];
fs.writeFileSync(path.join(dir, 'roles-accepted'), `${candidates.filter(accepts).join('\n')}\n`);
fs.writeFileSync(path.join(dir, 'roles-reserved'), `${candidates.filter((n) => /^[a-z_][a-z0-9_]{0,62}$/.test(n) && !accepts(n)).join('\n')}\n`);

const pieces = fc.constantFrom('a', 'Z', '9', ' ', ':', '\\', "'", '"', '$', '`', '*', '#', ';', '%', 'ä', '€', '𝄞', '\u00a0', '\u2028', '\ufeff', 'ﬁ', 'Ω');
const passwords = [
  ...fc.sample(fc.array(pieces, { minLength: 1, maxLength: 24 }).map((a) => a.join('')), { numRuns: 60, seed: 7 }),
  ' leading and trailing ', '*:*:*:*', 'back\\slash:colon', "quote'quote", 'p'.repeat(64 * 1024), '€'.repeat(21845),
].filter((p) => passwordProblem(p) === undefined);
fs.mkdirSync(path.join(dir, 'passwords'), { recursive: true });
passwords.forEach((p, i) => fs.writeFileSync(path.join(dir, 'passwords', String(i).padStart(3, '0')), p));
console.log(`${candidates.filter(accepts).length} accepted and ${candidates.filter((n) => !accepts(n)).length} refused role names, ${passwords.length} passwords`);
