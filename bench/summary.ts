/** The human summary of a bench run, with the issue 2 performance targets. */

type Row = Record<string, unknown>;

const TARGETS = {
  kibPerSession: 16,
  sessionsAtCap: 19_000,
  loginsPerS: 2_000,
  msgsPerS: 20_000,
  p99Ms: 50,
};

const mark = (ok: boolean) => (ok ? 'meets' : 'MISSES');

export function summarize(results: readonly Row[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    const n = (k: string) => Number(r[k]);
    switch (r.bench) {
      case 'idle-sessions': {
        out.push(
          `${r.server} idle: ${r.sessions_held}/${r.sessions_offered} sessions held, ` +
            `${r.logins_per_s} logins/s (${r.mechanism}, p50 ${r.login_p50_ms} ms, p99 ${r.login_p99_ms} ms, ` +
            `${r.server_cpu_ms_per_login} ms server CPU each), ${r.kib_per_session} KiB RSS/session ` +
            `(${r.kib_per_session_after_gc ?? '-'} after GC; RSS ${r.rss_base_mib} -> ${r.rss_held_mib} MiB)`,
        );
        out.push(
          `  target <= ${TARGETS.kibPerSession} KiB/session: ${mark(n('kib_per_session') <= TARGETS.kibPerSession)}`,
        );
        if (n('sessions_offered') >= TARGETS.sessionsAtCap) {
          out.push(
            `  target ${TARGETS.sessionsAtCap} sessions held: ${mark(n('sessions_held') >= TARGETS.sessionsAtCap)}`,
          );
        }
        out.push(
          `  target >= ${TARGETS.loginsPerS} logins/s (${r.mechanism}): ${mark(n('logins_per_s') >= TARGETS.loginsPerS)}`,
        );
        break;
      }
      case 'logins':
        out.push(
          `${r.server} logins: ${r.logins_ok} ${r.mechanism} logins at ${r.logins_per_s}/s ` +
            `(p50 ${r.login_p50_ms} ms, p99 ${r.login_p99_ms} ms, ${r.server_cpu_ms_per_login} ms server CPU each), ` +
            `${r.logins_failed} failed`,
        );
        out.push(
          `  target >= ${TARGETS.loginsPerS} logins/s (${r.mechanism}): ${mark(n('logins_per_s') >= TARGETS.loginsPerS)}`,
        );
        break;
      case 'messaging': {
        out.push(
          `${r.server} messaging: ${r.users_online} users, ${r.rate_offered} msgs/s offered for ${r.duration_s} s: ` +
            `${r.delivered_per_s} delivered/s, ${r.lost} lost, latency p50 ${r.lat_p50_ms} ms p99 ${r.lat_p99_ms} ms ` +
            `(server CPU ${r.server_cpu_pct} %, ${r.server_cpu_us_per_msg} us/msg; generator ${r.loadgen_cpu_pct} %; box ${r.machine_cpu_pct} % of 200)`,
        );
        const ok =
          n('delivered_per_s') >= TARGETS.msgsPerS * 0.99 && n('lat_p99_ms') <= TARGETS.p99Ms;
        out.push(
          n('rate_offered') >= TARGETS.msgsPerS
            ? `  target >= ${TARGETS.msgsPerS} msgs/s at p99 <= ${TARGETS.p99Ms} ms: ${mark(ok && n('lost') === 0)}`
            : `  (target is ${TARGETS.msgsPerS} msgs/s at p99 <= ${TARGETS.p99Ms} ms: run BENCH_RATE=${TARGETS.msgsPerS})`,
        );
        break;
      }
      case 'cluster-sessions':
        out.push(
          `${r.nodes} node(s), idle: ${r.sessions_held}/${r.sessions_offered} sessions held ` +
            `(${JSON.stringify(r.node_sessions)} per node), ${r.total_kib_per_session} KiB RSS/session ` +
            `in total (per node: ${JSON.stringify(r.node_kib_per_own_session)} KiB per own session; ` +
            `nats-server ${r.nats_kib_per_session ?? '-'} KiB/session), ${r.logins_per_s} logins/s`,
        );
        break;
      case 'cluster-messaging':
        out.push(
          `${r.nodes} node(s), messaging to the other half: ${r.rate_offered} msgs/s offered for ${r.duration_s} s: ` +
            `${r.delivered_per_s} delivered/s, ${r.lost} lost, latency p50 ${r.lat_p50_ms} ms p99 ${r.lat_p99_ms} ms ` +
            `(nodes CPU ${JSON.stringify(r.node_cpu_pct)} %, ${r.nodes_cpu_us_per_msg} us/msg; ` +
            `nats-server ${r.nats_cpu_pct ?? '-'} %; box ${r.machine_cpu_pct} % of 200)`,
        );
        break;
      case 'xml-parser':
        if (r.impl === 'meerkat') {
          out.push(
            `parser ${r.stanza} stanzas, ${r.chunk_bytes}-byte chunks: ${r.mb_per_s} MB/s, ${r.stanzas_per_s} stanzas/s`,
          );
        }
        break;
    }
  }
  return out;
}
