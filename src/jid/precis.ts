/**
 * PRECIS profiles used by XMPP addresses (RFC 7622 §3.2–§3.4, RFC 8264, RFC 8265).
 *
 * Each function returns the enforced form of its input, or undefined when the input is not
 * allowed. ASCII input takes a regex fast path; only non-ASCII input pays for Unicode work.
 *
 * Simplifications (documented so nobody mistakes them for full PRECIS):
 * - Code point classes are approximated with Unicode property escapes instead of the derived
 *   property tables of RFC 8264 §8; contextual rules (CONTEXTJ/CONTEXTO) are not evaluated:
 *   join controls are rejected outright (Default_Ignorable), CONTEXTO punctuation is rejected.
 * - The Bidi Rule (RFC 5893) of UsernameCaseMapped is not applied.
 * - Domainparts are checked for NR-LDH / U-label shape (RFC 5890) and mapped per RFC 5895
 *   (width, lowercase, NFC, ideographic full stops) rather than by a full IDNA2008 table lookup.
 */

import { isIPv6 } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';

/** RFC 7622 §3.1: every part is 1..1023 octets of UTF-8. */
export const MAX_PART_BYTES = 1023;

// Printable ASCII minus space and the RFC 7622 §3.3.1 exclusions " & ' / : < > @.
const ASCII_LOCAL = /^[!#-%(-.0-9;=?A-~]+$/;
const ASCII_PRINTABLE_OR_SPACE = /^[\x20-\x7e]+$/;
const ASCII_HOSTNAME =
  /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const ASCII_ONLY = /^[\x00-\x7f]*$/;

// RFC 8264 §9.1 IdentifierClass PVALID letters/digits (LetterDigits, §9.1), marks included.
const IDENTIFIER_NON_ASCII = /^[\p{Ll}\p{Lu}\p{Lo}\p{Lm}\p{Nd}\p{Mn}\p{Mc}]$/u;
// RFC 8264 §9.13/§9.14/§9.11: controls, ignorables, unassigned, private use, surrogates and
// line/paragraph separators are DISALLOWED even in FreeformClass.
const FREEFORM_DISALLOWED =
  /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
const NON_ASCII_SPACE = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g;
// RFC 8265 §3.3.1 width mapping: halfwidth/fullwidth forms map to their <wide>/<narrow>
// decomposition, which NFKC of the single code point yields.
const WIDTH_CHARS = /[\u3000\uff01-\uffee]/g;
const IDEOGRAPHIC_STOPS = /[\u3002\uff0e\uff61]/g;

const LOCAL_EXCLUDED = new Set(['"', '&', "'", '/', ':', '<', '>', '@']);

function widthMap(s: string): string {
  return s.replace(WIDTH_CHARS, (c) => c.normalize('NFKC'));
}

function byteLength(s: string, ascii: boolean): number {
  return ascii ? s.length : Buffer.byteLength(s, 'utf8');
}

/** Localpart: UsernameCaseMapped profile (RFC 8265 §3.3) plus RFC 7622 §3.3.1 exclusions. */
export function enforceLocalpart(input: string): string | undefined {
  if (input.length === 0 || input.length > MAX_PART_BYTES * 4) return undefined;
  if (ASCII_LOCAL.test(input)) {
    return input.length <= MAX_PART_BYTES ? input.toLowerCase() : undefined;
  }
  const out = widthMap(input).toLowerCase().normalize('NFC');
  for (const c of out) {
    const cp = c.codePointAt(0)!;
    if (cp < 0x80) {
      if (cp <= 0x20 || cp === 0x7f || LOCAL_EXCLUDED.has(c)) return undefined;
    } else if (
      !IDENTIFIER_NON_ASCII.test(c) ||
      FREEFORM_DISALLOWED.test(c) ||
      // RFC 8264 §9.17 HasCompat: compatibility characters are not identifiers.
      c.normalize('NFKC') !== c
    ) {
      return undefined;
    }
  }
  if (out.length === 0 || byteLength(out, false) > MAX_PART_BYTES) return undefined;
  return out;
}

/** Resourcepart: OpaqueString profile (RFC 8265 §4.2). */
export function enforceResourcepart(input: string): string | undefined {
  if (input.length === 0 || input.length > MAX_PART_BYTES * 4) return undefined;
  if (ASCII_PRINTABLE_OR_SPACE.test(input)) {
    return input.length <= MAX_PART_BYTES ? input : undefined;
  }
  // RFC 8265 §4.2.2: non-ASCII spaces map to U+0020, then NFC; no case or width mapping.
  const out = input.replace(NON_ASCII_SPACE, ' ').normalize('NFC');
  if (FREEFORM_DISALLOWED.test(out)) return undefined;
  if (byteLength(out, false) > MAX_PART_BYTES) return undefined;
  return out;
}

/** Domainpart (RFC 7622 §3.2): IP literal, NR-LDH labels or U-labels; lowercase, NFC. */
export function enforceDomainpart(input: string): string | undefined {
  if (input.length === 0 || input.length > MAX_PART_BYTES * 4) return undefined;
  if (input.charCodeAt(0) === 0x5b /* [ */) return enforceIpLiteral(input);
  if (ASCII_ONLY.test(input)) {
    const s = stripTrailingDot(input).toLowerCase();
    if (!ASCII_HOSTNAME.test(s) || s.length > MAX_PART_BYTES) return undefined;
    // RFC 5891 §5.2: A-labels are carried as U-labels in the JID.
    return s.includes('xn--') ? aLabelsToULabels(s) : s;
  }
  // RFC 5895 mappings first, so that a trailing ideographic full stop counts as the dot.
  const mapped = widthMap(input).replace(IDEOGRAPHIC_STOPS, '.').toLowerCase().normalize('NFC');
  return checkUnicodeDomain(stripTrailingDot(mapped));
}

/** RFC 7622 §3.2: one trailing label separator is stripped. */
function stripTrailingDot(s: string): string {
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

function enforceIpLiteral(input: string): string | undefined {
  // RFC 7622 §3.2.1: an IPv6 address in square brackets (RFC 3986 IP-literal).
  if (!input.endsWith(']')) return undefined;
  const inner = input.slice(1, -1).toLowerCase();
  return isIPv6(inner) ? `[${inner}]` : undefined;
}

function aLabelsToULabels(s: string): string | undefined {
  const u = domainToUnicode(s);
  if (u === '' || u.includes('\ufffd')) return undefined;
  // The decoded form must itself be an acceptable domainpart (and round-trip to ASCII).
  const checked = ASCII_ONLY.test(u) ? u : checkUnicodeDomain(u.normalize('NFC'));
  if (checked === undefined || domainToASCII(checked) !== s) return undefined;
  return checked;
}

function checkUnicodeDomain(s: string): string | undefined {
  if (s.length === 0 || byteLength(s, false) > MAX_PART_BYTES) return undefined;
  for (const label of s.split('.')) {
    if (label.length === 0 || label.startsWith('-') || label.endsWith('-')) return undefined;
    for (const c of label) {
      const cp = c.codePointAt(0)!;
      if (cp < 0x80) {
        if (!/[a-z0-9-]/.test(c)) return undefined;
      } else if (
        !IDENTIFIER_NON_ASCII.test(c) ||
        FREEFORM_DISALLOWED.test(c) ||
        c.normalize('NFKC') !== c
      ) {
        return undefined;
      }
    }
  }
  // RFC 5890 §2.3.2.1: an A-label is at most 63 octets; punycode tells us the length.
  const ascii = domainToASCII(s);
  if (ascii === '' || ascii.split('.').some((l) => l.length === 0 || l.length > 63)) {
    return undefined;
  }
  return s;
}
