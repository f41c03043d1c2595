import type { Percentiles } from '../loadgen/protocol.ts';

/** Percentiles of the first `n` values of `a` (sorted in place). Nearest-rank, in ms. */
export function percentiles(a: Float64Array | number[], n = a.length): Percentiles {
  const v =
    a instanceof Float64Array ? a.subarray(0, n).sort() : a.slice(0, n).sort((x, y) => x - y);
  const at = (p: number): number | null =>
    n === 0 ? null : round2(v[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)]);
  return { n, p50: at(50), p90: at(90), p99: at(99), max: at(100) };
}

export const round1 = (x: number): number => Math.round(x * 10) / 10;
export const round2 = (x: number): number => Math.round(x * 100) / 100;
