/** Rules spanning several sections of meerkat.toml, reported at the offending key's path. */
import type { RawConfig } from './meerkat-schema.ts';
import type { Report } from './schema.ts';

interface Bound {
  readonly path: string;
  readonly ip: string;
  readonly port: number;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

function overlaps(a: Bound, b: Bound): boolean {
  return a.port === b.port && (a.ip === b.ip || WILDCARDS.has(a.ip) || WILDCARDS.has(b.ip));
}

/** Two listeners on the same port and overlapping addresses would fail at bind time. */
function checkPorts(config: RawConfig, report: Report): void {
  const bound: Bound[] = [
    ...config.listen.c2s.map((l, i) => ({ path: `listen.c2s[${i}]`, ip: l.ip, port: l.port })),
    ...config.listen.http.map((l, i) => ({ path: `listen.http[${i}]`, ip: l.ip, port: l.port })),
  ];
  if (config.metrics.enabled) bound.push({ path: 'metrics', ...config.metrics });
  bound.forEach((b, i) => {
    const earlier = bound.slice(0, i).find((a) => overlaps(a, b));
    if (earlier !== undefined) {
      report(`${b.path}.port`, `port ${b.port} is already used by ${earlier.path}`);
    }
  });
}

function checkReferences(config: RawConfig, report: Report): void {
  config.listen.c2s.forEach((l, i) => {
    if (l.shaper !== undefined && !Object.hasOwn(config.shaper, l.shaper)) {
      const known = Object.keys(config.shaper);
      const hint =
        known.length === 0 ? 'no [shaper.NAME] is defined' : `known: ${known.join(', ')}`;
      report(`listen.c2s[${i}].shaper`, `unknown shaper "${l.shaper}" (${hint})`);
    }
  });
  config.listen.http.forEach((l, i) => {
    if (l.shaper !== undefined && !Object.hasOwn(config.shaper, l.shaper)) {
      report(`listen.http[${i}].shaper`, `unknown shaper "${l.shaper}"`);
    }
  });
  for (const [name, rules] of Object.entries(config.access)) {
    rules.forEach((rule, i) => {
      if (rule.acl !== 'all' && rule.acl !== 'none' && !Object.hasOwn(config.acl, rule.acl)) {
        report(`access.${name}[${i}].acl`, `unknown acl "${rule.acl}"`);
      }
    });
  }
}

export function checkConfig(config: RawConfig, report: Report): void {
  checkPorts(config, report);
  checkReferences(config, report);
  // Nodes of a cluster share one database (ARCHITECTURE.md §1); SQLite is local to one node.
  if (config.cluster.discovery === 'auto' && config.storage.backend !== 'postgres') {
    report('cluster.discovery', 'discovery = "auto" needs storage.backend = "postgres"');
  }
}
