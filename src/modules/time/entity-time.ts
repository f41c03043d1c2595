/** XEP-0202 §3 / XEP-0082: `tzo` as ±hh:mm, `utc` as a UTC dateTime ending in Z. */
export function entityTime(now: Date): { tzo: string; utc: string } {
  // getTimezoneOffset() is minutes *behind* UTC: -120 means UTC+02:00.
  const offset = -now.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  const utc = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { tzo: `${sign}${hh}:${mm}`, utc };
}
