/**
 * Container image references as the kubelet reads them: `ParseNormalizedNamed` of
 * github.com/distribution/reference (v0.6), which the kubelet's image manager
 * (applyDefaultImageTag) and the container runtime apply, including the digest check of
 * github.com/opencontainers/go-digest (`Digest.Validate`): an algorithm it knows
 * (sha256, sha384, sha512) with exactly its length of lowercase hex. The API server does
 * not check images; the kubelet refuses a bad one when the pod starts (InvalidImageName).
 *
 * Written as a split into parts plus one small pattern per part instead of the upstream
 * single regular expression, so that it is linear in the input in JavaScript's
 * backtracking engine (Go's RE2 is linear by construction). test/upstream-oracle.test.ts
 * compares it with the real ParseNormalizedNamed.
 */

/** An image reference split into its parts. */
export interface ImageReference {
  /** Everything before the tag and digest, e.g. `registry.example.com:5000/team/app`. */
  readonly name: string;
  /** The tag, if any, e.g. `1.2.3`. */
  readonly tag?: string | undefined;
  /** The digest, if any, e.g. `sha256:<64 hex>`. */
  readonly digest?: string | undefined;
}

/** go-digest's registered algorithms and the length of their lowercase hex encoding. */
export const DIGEST_ALGORITHMS: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}$/;
/** distribution/reference RepositoryNameTotalLengthMax: the path, without the registry host. */
const PATH_MAX = 255;

/** The registry part `host[:port]` (a DNS name or a bracketed IPv6 address). */
function isDomainAndPort(text: string): boolean {
  const m = /^(\[[a-fA-F0-9:]+\]|[^:[\]]+)(?::([0-9]+))?$/.exec(text);
  if (!m) return false;
  const host = m[1]!; // the first group always takes part
  return host.startsWith('[') || host.split('.').every((c) => DOMAIN_COMPONENT.test(c));
}

/** The registry host of a name, as the runtime splits it (splitDockerDomain), or undefined for Docker Hub. */
export function registryOf(name: string): string | undefined {
  const slash = name.indexOf('/');
  if (slash < 0) return undefined;
  const first = name.slice(0, slash);
  return first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first ? first : undefined;
}

/**
 * Splits `image` into name, tag and digest, or says why the kubelet would refuse it
 * (a string). Says nothing about whether a tag or digest is required: see validateImage.
 */
export function parseImageReference(image: string): ImageReference | string {
  if (image === '') return 'it is empty';
  if (/^[a-f0-9]{64}$/.test(image)) return 'it is 64 hexadecimal digits, which the runtime takes for an image ID, not a name';
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const name = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : undefined;

  const components = name.split('/');
  const registry = registryOf(name);
  // With a registry host that is not a valid host name, the upstream pattern still accepts
  // the whole name as a repository path when every component is one ("a.b_c/d").
  const path = registry !== undefined && isDomainAndPort(registry) ? components.slice(1) : components;
  const badComponent = path.find((c) => !PATH_COMPONENT.test(c));
  if (badComponent !== undefined) {
    if (registry !== undefined && path === components) return `the registry "${registry}" is not a host name or [IPv6] address with an optional :port`;
    return badComponent.toLowerCase() !== badComponent && PATH_COMPONENT.test(badComponent.toLowerCase())
      ? `the repository name must be lowercase ("${badComponent}")`
      : `the path component "${badComponent}" is not lowercase letters and digits joined by ".", "_", "__" or "-"`;
  }
  // Docker Hub's official images are library/<name>: that prefix counts towards the limit.
  const dockerHub = registry === undefined || ((registry === 'docker.io' || registry === 'index.docker.io') && path !== components);
  const pathLength = path.join('/').length + (dockerHub && path.length === 1 ? 'library/'.length : 0);
  if (pathLength > PATH_MAX) return `the repository path is ${pathLength} characters, more than ${PATH_MAX}`;
  if (tag !== undefined && !TAG.test(tag)) return `the tag "${tag}" is not 1-128 letters, digits, "_", "." or "-" starting with a letter, digit or "_"`;
  if (digest !== undefined) {
    if (!DIGEST.test(digest)) return `the digest "${digest}" is not <algorithm>:<hex>`;
    const [algorithm, hex] = digest.split(':') as [string, string]; // DIGEST has exactly one ':'
    const length = DIGEST_ALGORITHMS[algorithm];
    if (length === undefined) return `the digest algorithm "${algorithm}" is not one the runtime knows (${Object.keys(DIGEST_ALGORITHMS).join(', ')})`;
    if (hex.length !== length) return `a ${algorithm} digest has ${length} hex digits, not ${hex.length}`;
    if (!/^[0-9a-f]+$/.test(hex)) return `the ${algorithm} digest must be lowercase hex`;
  }
  return { name, tag, digest };
}
