// @ts-check
'use strict';
/**
 * resource.Quantity (k8s.io/apimachinery/pkg/api/resource), the one parser of the
 * checkers (policy rules, schema-check/, tests). lib/resources.ts keeps its own copy so
 * lib/ stays copyable; a property test proves the two agree.
 *
 * The grammar documented in quantity.go:
 *   <quantity> ::= <signedNumber><suffix>
 *   <number>   ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
 *   <suffix>   ::= <binarySI> (Ki..Ei) | <decimalSI> (n u m "" k M G T P E) | e|E <signed integer>
 * The exponent is an integer: ParseQuantity refuses `1e1.5`, although the OpenAPI pattern
 * some tools copy allows it. ParseQuantity also reads a string with no digits at all
 * (`Mi`, `.`, `+`) as zero; that is a quirk of its scanner, not the grammar, and is refused here.
 */

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([KMGTPE]i|[numkMGTPE])|[eE]([+-]?\d+))?$/;

/** @type {Readonly<Record<string, number>>} */
const MULTIPLIER = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/**
 * A parsed quantity; `value` is a float, good for comparisons, not for exact arithmetic.
 * @typedef {{ negative: boolean, number: string, suffix: string, value: number }} Quantity
 */

/**
 * Parses a quantity string; undefined when it is not one.
 * @param {unknown} text
 * @returns {Quantity | undefined}
 */
function parseQuantity(text) {
  if (typeof text !== 'string') return undefined;
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, sign, number, si, exponent] = m;
  const magnitude = exponent !== undefined ? Number(`${number}e${exponent}`) : Number(number) * MULTIPLIER[si ?? ''];
  return {
    negative: sign === '-',
    number,
    suffix: exponent !== undefined ? text.slice(sign.length + number.length) : (si ?? ''),
    value: sign === '-' ? -magnitude : magnitude,
  };
}

/** @param {unknown} text */
function isQuantity(text) {
  return parseQuantity(text) !== undefined;
}

module.exports = { parseQuantity, isQuantity };
