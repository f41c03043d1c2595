import { pino } from 'pino';

/** A real pino logger whose JSON lines land in `lines`, for asserting on `what` keys. */
export function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) });
  return { log, lines, has: (what: string) => lines.filter((l) => l.what === what) };
}
