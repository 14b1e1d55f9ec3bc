// Personal data: what is detected (with the Luhn and IBAN checksums), how values are masked or hashed,
// and the one transform that readers apply before data leaves them.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectPii, ibanValid, luhn } from '../../src/engine/data/pii/detect';
import { emptyPolicy, hashValue, maskValue, protectBatch } from '../../src/engine/data/pii/protect';
import type { ColumnBatch } from '../../src/engine/data/read/batch';
import { scanDataFile } from '../../src/engine/data/read/scan';
import { tempDir } from './tempDir';

describe('personal data', () => {
  it('detects e-mails, phones, cards (Luhn), IPv4/IPv6, SSNs and IBANs (mod 97), and not look-alikes', () => {
    const cases: [string, string | undefined][] = [
      ['ann.lee+x@example.co.uk', 'email'],
      ['not@an-email', undefined],
      ['+44 20 7946 0958', 'phone'],
      ['(555) 010-2000', 'phone'],
      ['5550102000', undefined], // a bare run of digits is an id
      ['2024-05-01', undefined], // a date is not a phone
      ['4111 1111 1111 1111', 'card'],
      ['4111111111111112', undefined], // fails Luhn
      ['192.168.0.17', 'ipv4'],
      ['256.1.1.1', undefined],
      ['2001:db8::8a2e:370:7334', 'ipv6'],
      ['123-45-6789', 'ssn'],
      ['000-45-6789', 'phone'], // never a valid SSN (area 000), still formatted like a phone number
      ['GB82 WEST 1234 5698 7654 32', 'iban'],
      ['GB82WEST12345698765433', undefined], // wrong check digits
      ['hello world', undefined],
      ['3.14159', undefined],
    ];
    for (const [value, kind] of cases) assert.equal(detectPii(value), kind, value);
    assert.ok(luhn('79927398713'));
    assert.ok(!luhn('79927398710'));
    assert.ok(ibanValid('DE89370400440532013000'));
    assert.ok(!ibanValid('DE89370400440532013001'));
  });

  it('masks by kind without the raw value, and hashes with a key', () => {
    assert.equal(maskValue('ann.lee@example.com', 'email'), 'a***@***.com');
    assert.equal(maskValue('4111 1111 1111 1111', 'card'), '************1111');
    assert.equal(maskValue('+44 20 7946 0958', 'phone'), '+** ** **** **58');
    assert.equal(maskValue('123-45-6789', 'ssn'), '***********');
    assert.equal(maskValue('192.168.0.17', 'ipv4'), '192.***.***.***');
    const h = hashValue('123-45-6789', 'k1');
    assert.match(h, /^h:[0-9a-f]{16}$/);
    assert.equal(hashValue('123-45-6789', 'k1'), h);
    assert.notEqual(hashValue('123-45-6789', 'k2'), h);
  });

  it('protectBatch drops, masks and hashes by rule, masks detected columns without one, and leaves the rest alone', () => {
    const batch: ColumnBatch = {
      columns: ['email', 'ssn', 'card', 'note', 'ok'],
      values: [['a@b.com', null], ['123-45-6789', '234-56-7890'], ['4111111111111111', '5500005555555559'], ['x', 'y'], [1, 2]],
      lines: [2, 3],
      rows: 2,
    };
    const policy = emptyPolicy('salt');
    policy.rules.set('ssn', 'hash').set('note', 'drop');
    policy.detected.set('email', 'email').set('card', 'card');
    const out = protectBatch(policy, batch);
    assert.deepEqual(out.columns, ['email', 'ssn', 'card', 'ok']);
    assert.deepEqual(out.values[0], ['a***@***.com', null]);
    assert.deepEqual(out.values[1], [hashValue('123-45-6789', 'salt'), hashValue('234-56-7890', 'salt')]);
    assert.deepEqual(out.values[2], ['************1111', '************5559']);
    assert.equal(out.values[3], batch.values[4]);
    assert.deepEqual(out.lines, [2, 3]);
  });

  it('the reader applies the transform: raw values never reach the consumer', async () => {
    const path = join(tempDir('sextant-data-pii-'), 'p.csv');
    writeFileSync(path, 'id,ssn\n1,123-45-6789\n2,234-56-7890\n');
    const policy = emptyPolicy();
    policy.rules.set('ssn', 'mask');
    const seen: string[] = [];
    const r = await scanDataFile(path, (b) => seen.push(JSON.stringify(b)), { transform: (b) => protectBatch(policy, b) });
    assert.ok(r.ok);
    assert.equal(seen.length, 1);
    assert.ok(!seen[0]!.includes('6789') && !seen[0]!.includes('7890'), seen[0]);
    assert.match(seen[0]!, /\*{3,}/);
  });
});
