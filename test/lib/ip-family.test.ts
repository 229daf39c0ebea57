/**
 * lib/prop-checks.ts's ipFamily asks net.isIP only of strings that could be an address;
 * the filter must never change an answer.
 */
import * as fc from 'fast-check';
import { isIP } from 'net';
import { ipFamily } from '../../lib/prop-checks';

const ADDRESSES = [
  '10.0.0.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.', '::', '::1', '2001:db8::', '2001:db8::/32',
  'fe80::1%eth0', '::ffff:10.0.0.1', '[::1]', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', 'db.example.com', '', ':', '.', '1.2.3.4 ', ' ::1',
];

test.each(ADDRESSES)('ipFamily(%j) is net.isIP', (value) => {
  expect(ipFamily(value)).toBe(isIP(value));
});

test('ipFamily agrees with net.isIP on generated strings of address characters', () => {
  const chars = fc.constantFrom(...'0123456789abcdefABCDEF.:%[]/ x-'.split(''));
  fc.assert(fc.property(fc.oneof(fc.string({ unit: chars, maxLength: 45 }), fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.domain()), (value) => {
    expect(ipFamily(value)).toBe(isIP(value));
  }), { numRuns: 5000 });
});
