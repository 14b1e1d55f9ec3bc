// Which values look like personal data: e-mail addresses, phone numbers (with a + or separators: a bare
// run of digits is an id, not a phone), payment card numbers (13–19 digits passing the Luhn check),
// IPv4 and IPv6 addresses, US social security numbers (AAA-GG-SSSS, without the never-issued areas
// 000, 666, 9xx) and IBANs (passing the ISO 7064 mod-97 check). A column is flagged when at least half
// of its first PII_SAMPLE values are of one kind.
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

const PII_KINDS = ['email', 'phone', 'card', 'ipv4', 'ipv6', 'ssn', 'iban'] as const;
export const PiiKindSchema = z.enum(PII_KINDS);
export type PiiKind = z.infer<typeof PiiKindSchema>;

const PII_SAMPLE = 200;
const PII_SHARE = 0.5;

const EMAIL = /^[^\s@"<>,;]+@[^\s@"<>,;]+\.[A-Za-z]{2,}$/;
const SSN = /^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/;
const CARD = /^\d(?:[ -]?\d){12,18}$/;
const IBAN = /^[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}$/;
const PHONE = /^\+?\(?\d[\d\s().-]{5,22}\d$/;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}|^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$/;

/** The Luhn checksum of a run of digits (card numbers). */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** The IBAN check: move the first four characters to the end, letters to numbers, remainder mod 97 is 1. */
export function ibanValid(text: string): boolean {
  const s = text.replace(/ /g, '');
  const moved = s.slice(4) + s.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? code - 55 : code - 48;
    rest = v >= 10 ? (rest * 100 + v) % 97 : (rest * 10 + v) % 97;
  }
  return rest === 1;
}

export function detectPii(value: string): PiiKind | undefined {
  const s = value.trim();
  if (s.length < 3 || s.length > 254) return undefined;
  if (s.includes('@')) return EMAIL.test(s) ? 'email' : undefined;
  if (isIPv4(s)) return 'ipv4';
  if (s.includes(':')) return isIPv6(s) ? 'ipv6' : undefined;
  if (SSN.test(s)) return 'ssn';
  if (CARD.test(s) && luhn(s.replace(/[ -]/g, ''))) return 'card';
  if (IBAN.test(s) && ibanValid(s)) return 'iban';
  if (PHONE.test(s) && !DATE_LIKE.test(s)) {
    const digits = s.replace(/\D/g, '').length;
    const formatted = s.startsWith('+') || /[\s()-]/.test(s);
    if (digits >= 7 && digits <= 15 && formatted) return 'phone';
  }
  return undefined;
}

/** Looks at a column's first values and says which kind of personal data most of them are, if any. */
export class PiiSampler {
  private seen = 0;
  private readonly counts = new Map<PiiKind, number>();
  /** The values sampled, in order: a parallel profile's parts are sampled again in the file's order. */
  readonly values: string[] = [];

  get full(): boolean {
    return this.seen >= PII_SAMPLE;
  }

  add(value: string): void {
    if (this.seen >= PII_SAMPLE) return;
    this.seen++;
    this.values.push(value);
    const kind = detectPii(value);
    if (kind) this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  verdict(): { kind: PiiKind; share: number } | undefined {
    let best: { kind: PiiKind; share: number } | undefined;
    for (const [kind, n] of this.counts) {
      const share = n / this.seen;
      if (share >= PII_SHARE && (!best || share > best.share)) best = { kind, share };
    }
    return best;
  }
}
