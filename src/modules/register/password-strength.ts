/**
 * Estimated entropy of a password in bits: distinct characters × log2 of the size of the
 * character classes it uses (the estimate ejabberd and MongooseIM configure as
 * `password_strength`). Crude but monotonic: longer and more varied passwords score higher.
 */
export function passwordEntropy(password: string): number {
  const chars = [...password];
  if (chars.length === 0) return 0;
  let lower = false;
  let upper = false;
  let digit = false;
  let other = false;
  let nonAscii = false;
  for (const c of chars) {
    if (c >= 'a' && c <= 'z') lower = true;
    else if (c >= 'A' && c <= 'Z') upper = true;
    else if (c >= '0' && c <= '9') digit = true;
    else if (c.codePointAt(0)! < 0x80) other = true;
    else nonAscii = true;
  }
  const pool =
    (lower ? 26 : 0) +
    (upper ? 26 : 0) +
    (digit ? 10 : 0) +
    (other ? 33 : 0) +
    (nonAscii ? 128 : 0);
  return new Set(chars).size * Math.log2(pool);
}
