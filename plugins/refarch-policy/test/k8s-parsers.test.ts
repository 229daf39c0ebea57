/**
 * The checkers' parsers (src/k8s/): quantities, image references and label selectors,
 * against the Kubernetes grammar, and against lib/'s own copies (lib/ stays copyable with
 * only cdk8s and constructs, so it cannot import these): generated inputs must get the
 * same verdict from both.
 */
import fc from 'fast-check';
import { validateImage, validateQuantity } from '../../../lib/prop-checks';
import { quantityValue } from '../../../lib/resources';
import { imagePinProblem, parseImageReference } from '../src/k8s/image';
import { isQuantity, parseQuantity } from '../src/k8s/quantity';
import { matchesLabels, selects } from '../src/k8s/selector';

const accepts = (check: () => unknown) => { try { check(); return true; } catch { return false; } };

describe('quantity', () => {
  // Verdicts of ParseQuantity in k8s.io/apimachinery v0.35.8 (what the API server runs).
  test.each(['1', '0', '00', '1e3', '1E3', '1E+3', '1e-3', '+.5e2', '.5', '5.', '+1', '-1', '1Ki', '5.Mi', '1m', '1n', '1u', '1E', '250m', '64Mi', '1.5Gi'])('accepts %j', (q) => {
    expect(isQuantity(q)).toBe(true);
  });
  test.each(['', '1.5.5', '1 Mi', ' 1', '1 ', '1mi', '1K', '1ki', '1i', '1e', '1e+', '1ee3', '1e3M', '1e1.5', '512MB', '1Gb'])('refuses %j', (q) => {
    expect(isQuantity(q)).toBe(false);
  });
  // ParseQuantity reads these as zero (its scanner lets the number be empty); the documented
  // grammar needs a digit, and a quantity without one is a mistake worth reporting.
  test.each(['Mi', '.', '+', '-', 'k', 'e3', '.Mi'])('refuses the digit-less %j that ParseQuantity reads as zero', (q) => {
    expect(isQuantity(q)).toBe(false);
  });
  test.each([['250m', 0.25], ['1.5Gi', 1.5 * 2 ** 30], ['1e3', 1000], ['-2k', -2000], ['.5', 0.5], ['5.', 5]] as const)('%s is %d', (q, value) => {
    expect(parseQuantity(q)?.value).toBeCloseTo(value, 12);
  });
  test('non-strings are not quantities', () => {
    for (const x of [1, null, undefined, {}, ['1']]) expect(isQuantity(x)).toBe(false);
  });
});

describe('image reference', () => {
  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
  test.each([
    ['nginx:1.25', { name: 'nginx', tag: '1.25' }],
    ['registry.example.com:5000/team/app:v1', { name: 'registry.example.com:5000/team/app', tag: 'v1' }],
    [`app@${digest}`, { name: 'app', digest }],
    [`app:latest@${digest}`, { name: 'app', tag: 'latest', digest }],
    ['[fd00::1]:5000/app:1', { name: '[fd00::1]:5000/app', tag: '1' }],
    ['localhost/a__b--c.d:1', { name: 'localhost/a__b--c.d', tag: '1' }],
  ])('parses %s', (ref, parsed) => {
    expect(parseImageReference(ref)).toEqual(parsed);
  });
  test.each(['', 'App:1', 'team/App:1', 'app:', 'app:-1', 'app@sha256:abc', 'app::1', '/app:1', 'app/:1', 'a_-b:1', ' app:1', `${'a'.repeat(256)}:1`])('refuses %j', (ref) => {
    expect(parseImageReference(ref)).toBeUndefined();
  });
  test.each([['nginx', 'has no tag'], ['nginx:latest', 'uses the latest tag'], ['registry:5000/app', 'has no tag'], ['Nginx:1', 'is not a valid image reference']])('%s is not pinned: %s', (ref, why) => {
    expect(imagePinProblem(ref)).toContain(why);
  });
});

describe('label selector', () => {
  const labels = { app: 'web', tier: 'front' };
  test.each([
    [{}, true], [{ matchLabels: { app: 'web' } }, true], [{ matchLabels: { app: 'db' } }, false],
    [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Equals', values: ['front'] }] }, false],
  ])('%j selects the pod: %s', (selector, expected) => {
    expect(selects(selector, labels, false)).toBe(expected);
  });
  test('a missing selector selects everything only where the API says so', () => {
    expect(selects(undefined, labels, true)).toBe(true);
    expect(selects(undefined, labels, false)).toBe(false);
  });
  test('a label map selects labels that contain it', () => {
    expect(matchesLabels({ app: 'web' }, labels)).toBe(true);
    expect(matchesLabels({ app: 'web', zone: 'a' }, labels)).toBe(false);
    expect(matchesLabels({}, undefined)).toBe(true);
  });
});

describe('lib/ and the checkers agree', () => {
  const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
  const digits = fc.stringMatching(/^[0-9]{1,6}$/);

  // Mostly near the grammar, so both sides of every branch are reached; some noise too.
  const quantity = fc.oneof(
    fc.tuple(
      pick('', '+', '-'),
      fc.oneof(digits, fc.tuple(digits, digits).map(([a, b]) => `${a}.${b}`), digits.map((a) => `${a}.`), digits.map((b) => `.${b}`), pick('', '.')),
      fc.oneof(
        pick('', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E'),
        fc.tuple(pick('e', 'E'), pick('', '+', '-'), digits).map((p) => p.join('')),
        pick('mi', 'K', 'ki', 'i', 'e', 'E+', 'e1.5', 'MB', ' Mi', '.5', 'Kii'),
      ),
    ).map((p) => p.join('')),
    fc.stringMatching(/^[-+0-9.eEKMGTPinumk ]{0,8}$/),
  );

  test('what the property found: an exa suffix is not an exponent, and an IPv6 registry is a registry', () => {
    expect(quantityValue('2E')).toBe(2e18);
    expect(parseQuantity('2E')?.value).toBe(2e18);
    expect(accepts(() => validateImage('image', '[fd00::1]:5000/app:1'))).toBe(true);
  });

  test('validateQuantity accepts exactly the non-negative quantities, and quantityValue reads them the same', () => {
    fc.assert(fc.property(quantity, (q) => {
      const parsed = parseQuantity(q);
      expect({ q, lib: accepts(() => validateQuantity('q', q)) }).toEqual({ q, lib: parsed !== undefined && !parsed.negative });
      if (parsed) {
        const lib = quantityValue(q);
        expect(lib === parsed.value || Math.abs(lib - parsed.value) <= 1e-9 * Math.abs(parsed.value)).toBe(true);
      }
    }), { numRuns: 1000 });
  });

  const lower = fc.stringMatching(/^[a-z0-9]{1,6}$/);
  const component = fc.tuple(lower, fc.array(fc.tuple(pick('.', '_', '__', '-', '--'), lower), { maxLength: 2 }))
    .map(([head, rest]) => head + rest.map(([sep, part]) => sep + part).join(''));
  const host = fc.oneof(
    fc.array(fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,4}[a-zA-Z0-9])?$/), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.')),
    pick('localhost', '[::1]', '[fd00::1]', 'Registry.Example.com', '-bad', 'bad-'),
  );
  const image = fc.oneof(
    fc.tuple(
      fc.option(fc.tuple(host, fc.option(fc.integer({ min: 0, max: 65535 }))).map(([h, port]) => `${h}${port === null ? '' : `:${port}`}/`), { nil: '' }),
      fc.array(component, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')),
      fc.option(fc.oneof(fc.stringMatching(/^[\w][\w.-]{0,10}$/), pick('latest', '-bad', '.bad', '')).map((t) => `:${t}`), { nil: '' }),
      fc.option(fc.oneof(
        fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `@sha256:${h}`),
        // Digests the grammar takes but go-digest refuses: wrong length, uppercase, unknown algorithm.
        fc.tuple(pick('sha256', 'sha384', 'sha512', 'SHA256', 'md5', 'sha3'), pick(32, 63, 64, 65, 96, 128), fc.boolean())
          .map(([alg, n, upper]) => `@${alg}:${(upper ? 'AB' : 'ab').repeat(n).slice(0, n)}`),
        pick('@sha256:abc', '@md5:0123456789abcdef0123456789abcdef', '@'),
      ), { nil: '' }),
      pick('', '', '', ' ', 'A', '/'),
    ).map((p) => p.join('')),
    fc.stringMatching(/^[a-zA-Z0-9:/@._ -]{0,20}$/),
  );

  test('validateImage accepts exactly the references the image-tag rule calls pinned', () => {
    fc.assert(fc.property(image, (ref) => {
      expect({ ref, lib: accepts(() => validateImage('image', ref)) }).toEqual({ ref, lib: imagePinProblem(ref) === undefined });
    }), { numRuns: 1000 });
  });
});
