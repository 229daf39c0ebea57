// @ts-check
'use strict';
/**
 * Values that are credentials whatever they are called. Every check is linear in the
 * length of the value (a setting may hold a megabyte of text, and synth runs this rule on
 * it): each pattern either has a fixed length or is anchored by a literal prefix whose
 * match cannot overlap the next one, and the two that could backtrack over the whole text
 * in JavaScript's engine (a URL with a password, a JSON Web Token) are scans instead of
 * patterns. test/policy-linearity.test.ts holds every rule to it, and checks these scans
 * against the patterns they replace.
 * @type {Array<[(value: string) => boolean, string]>}
 */
const SECRET_VALUES = [
  [(v) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v), 'a PEM private key'],
  [(v) => /\b(AKIA|ASIA)[0-9A-Z]{16}\b/.test(v), 'an AWS access key id'],
  [(v) => /\bgh[pousr]_[A-Za-z0-9]{36,}\b/.test(v), 'a GitHub token'],
  [(v) => /\bxox[abprs]-[A-Za-z0-9-]{10,}/.test(v), 'a Slack token'],
  [(v) => /\bAIza[0-9A-Za-z_-]{35}\b/.test(v), 'a Google API key'],
  [hasJsonWebToken, 'a JSON Web Token'],
  [hasUrlWithPassword, 'a URL with a password in it'],
];

/**
 * Whether `v` holds `<scheme>://<user>:<password>@` (what /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i
 * matches), in one pass: from each "://" back over the scheme and forward over the user
 * information, neither of which can run past a '/', so no character is read twice.
 * @param {string} v
 */
function hasUrlWithPassword(v) {
  for (let at = v.indexOf('://'); at >= 0; at = v.indexOf('://', at + 3)) {
    let letter = false;
    for (let i = at - 1; i >= 0 && isSchemeChar(v.charCodeAt(i)); i--) if (isLetter(v.charCodeAt(i))) { letter = true; break; }
    if (!letter) continue;
    let i = at + 3;
    const userStart = i;
    while (i < v.length && !ends(v.charCodeAt(i), true)) i++;
    if (i === userStart || v[i] !== ':') continue;
    const passwordStart = ++i;
    while (i < v.length && !ends(v.charCodeAt(i), false)) i++;
    if (i > passwordStart && v[i] === '@') return true;
  }
  return false;
}

/** @param {number} c */
const isLetter = (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** [a-z0-9+.-], any case. @param {number} c */
const isSchemeChar = (c) => isLetter(c) || (c >= 48 && c <= 57) || c === 43 || c === 46 || c === 45;
/** What ends the user (/, white space as \s has it, ':' or '@') or the password (the same but ':'). @param {number} c @param {boolean} user */
const ends = (c, user) => c === 47 || c === 64 || (user && c === 58) || (c < 128 ? (c >= 9 && c <= 13) || c === 32 : /\s/.test(String.fromCharCode(c)));

/**
 * Whether `v` holds a JSON Web Token (what /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/
 * matches), in one pass over the dot-separated runs of base64url characters.
 * @param {string} v
 */
function hasJsonWebToken(v) {
  const runs = v.split(/([^A-Za-z0-9_-])/); // runs at even indexes, the separators between them at odd ones
  for (let k = 0; k + 4 < runs.length; k += 2) {
    if (runs[k + 1] !== '.' || runs[k + 3] !== '.') continue;
    const [header, payload, signature] = [runs[k], runs[k + 2], runs[k + 4]];
    // The header starts at a word boundary: the start of the run, or after a '-' in it.
    const start = header.startsWith('eyJ') ? 0 : header.indexOf('-eyJ') + 1; // the earliest start leaves the most characters
    const headerOk = (start > 0 || header.startsWith('eyJ')) && header.length - start - 3 >= 8;
    if (headerOk && payload.startsWith('eyJ') && payload.length >= 11 && signature.length >= 8) return true;
  }
  return false;
}

module.exports = { SECRET_VALUES, hasUrlWithPassword, hasJsonWebToken };
