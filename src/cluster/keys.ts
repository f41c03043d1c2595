/**
 * NATS KV keys allow only `[-/_=.a-zA-Z0-9]` (ARCHITECTURE.md §10): JIDs and node names are
 * base64url-encoded, and `.` separates the parts so a key can be split without decoding.
 */
export function enc(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url') || '_';
}

export function dec(s: string): string {
  return s === '_' ? '' : Buffer.from(s, 'base64url').toString('utf8');
}

export function sessionKey(bare: string, resource: string): string {
  return `${enc(bare)}.${enc(resource)}`;
}

export function parseSessionKey(key: string): { bare: string; resource: string } | undefined {
  const dot = key.indexOf('.');
  if (dot <= 0) return undefined;
  return { bare: dec(key.slice(0, dot)), resource: dec(key.slice(dot + 1)) };
}

/** Bucket and subject names of one cluster (the cluster name is validated as [A-Za-z0-9_-]). */
export function clusterNames(cluster: string) {
  return {
    members: `mk_members_${cluster}`,
    heartbeats: `mk_hb_${cluster}`,
    sessions: `mk_sessions_${cluster}`,
    locks: `mk_locks_${cluster}`,
    nodeSubject: (node: string) => `mk.${cluster}.node.${enc(node)}`,
  };
}
