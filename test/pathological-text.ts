/**
 * Texts that made a backtracking pattern of the policy rules retry from every position,
 * by family, at any length: for test/policy-linearity.test.ts and bench/size-ceiling.ts.
 */
export const PATHOLOGICAL: Readonly<Record<string, (n: number) => string>> = {
  letters: (n) => 'a'.repeat(n),
  'scheme-like': (n) => 'a+b.c-'.repeat(n / 6),
  'url-like': (n) => 'a://b'.repeat(n / 5),
  'user-info-like': (n) => `x://${'u:'.repeat(n / 2)}`,
  'jwt-like': (n) => 'eyJ-'.repeat(n / 4),
  'jwt-parts': (n) => 'eyJabcdefgh.'.repeat(n / 12),
  'pem-like': (n) => `-----BEGIN ${'A '.repeat(n / 2)}`,
  'token-like': (n) => 'ghp_'.padEnd(40, 'A').repeat(n / 40),
  'mixed': (n) => 'aZ09:/@.-_ \n<&'.repeat(n / 15),
};

