// @ts-check
'use strict';
/**
 * Container image references (github.com/distribution/reference, what the container
 * runtime parses), the one parser of the checkers. lib/prop-checks.ts keeps its own copy
 * so lib/ stays copyable; a property test proves the two agree.
 */

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const NAME = `(?:${HOST}(?::[0-9]+)?/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
/** distribution/reference's NameTotalLengthMax: the name, without tag and digest. */
const NAME_MAX = 255;

/**
 * @typedef {{ name: string, tag?: string, digest?: string }} ImageReference
 */

/**
 * Splits a reference into name, tag and digest; undefined when it is not a valid reference.
 * @param {unknown} ref
 * @returns {ImageReference | undefined}
 */
function parseImageReference(ref) {
  if (typeof ref !== 'string') return undefined;
  const m = REFERENCE.exec(ref);
  if (!m || m[1].length > NAME_MAX) return undefined;
  return { name: m[1], ...(m[2] !== undefined ? { tag: m[2] } : {}), ...(m[3] !== undefined ? { digest: m[3] } : {}) };
}

/**
 * Why a reference is not pinned to a version, or undefined when it is: a digest pins it,
 * and so does any tag but `latest`.
 * @param {unknown} ref
 * @returns {string | undefined}
 */
function imagePinProblem(ref) {
  if (typeof ref !== 'string' || ref === '') return 'no image.';
  const parsed = parseImageReference(ref);
  if (!parsed) return `image "${ref}" is not a valid image reference.`;
  if (parsed.digest !== undefined) return undefined;
  if (parsed.tag === undefined) return `image "${ref}" has no tag (it means latest).`;
  if (parsed.tag === 'latest') return `image "${ref}" uses the latest tag.`;
  return undefined;
}

module.exports = { parseImageReference, imagePinProblem };
