// @ts-check
'use strict';
/**
 * Container image references (github.com/distribution/reference, what the kubelet and the
 * container runtime parse), the one parser of the checkers. lib/image-reference.ts keeps
 * its own copy so lib/ stays copyable; a property test proves the two agree, and
 * test/upstream-oracle.test.ts compares both with the real parser.
 */

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}$/;
/** go-digest's registered algorithms and the length of their lowercase hex encoding. */
const DIGEST_HEX = /** @type {Record<string, number>} */ ({ sha256: 64, sha384: 96, sha512: 128 });
/** distribution/reference RepositoryNameTotalLengthMax: the path, without the registry host. */
const PATH_MAX = 255;

/**
 * @typedef {{ name: string, tag?: string, digest?: string }} ImageReference
 */

/** @param {string} text */
function isDomainAndPort(text) {
  const m = /^(\[[a-fA-F0-9:]+\]|[^:[\]]+)(?::([0-9]+))?$/.exec(text);
  return !!m && (m[1].startsWith('[') || m[1].split('.').every((c) => DOMAIN_COMPONENT.test(c)));
}

/**
 * Splits a reference into name, tag and digest as ParseNormalizedNamed of
 * distribution/reference v0.6 (with go-digest's check of the digest) reads it; undefined
 * when it is not a valid reference. Parts and small patterns rather than the upstream
 * single pattern, so it is linear in JavaScript's backtracking engine.
 * @param {unknown} ref
 * @returns {ImageReference | undefined}
 */
function parseImageReference(ref) {
  if (typeof ref !== 'string' || ref === '' || /^[a-f0-9]{64}$/.test(ref)) return undefined;
  const at = ref.indexOf('@');
  const named = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const name = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : undefined;
  const components = name.split('/');
  const first = components.length > 1 ? components[0] : undefined;
  const registry = first !== undefined && (first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first) ? first : undefined;
  const path = registry !== undefined && isDomainAndPort(registry) ? components.slice(1) : components;
  if (!path.every((c) => PATH_COMPONENT.test(c))) return undefined;
  const dockerHub = registry === undefined || ((registry === 'docker.io' || registry === 'index.docker.io') && path !== components);
  if (path.join('/').length + (dockerHub && path.length === 1 ? 'library/'.length : 0) > PATH_MAX) return undefined;
  if (tag !== undefined && !TAG.test(tag)) return undefined;
  if (digest !== undefined) {
    if (!DIGEST.test(digest)) return undefined;
    const [algorithm, hex] = digest.split(':');
    if (DIGEST_HEX[algorithm] !== hex.length || !/^[0-9a-f]+$/.test(hex)) return undefined;
  }
  return { name, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
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
