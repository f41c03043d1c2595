import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ensurePrivateDir } from '../storage/private-files.ts';

/**
 * What a node remembers of its cluster in its data dir, so a restart rejoins without a
 * command, and a node removed while dead knows it (ARCHITECTURE.md §4).
 */
export type ClusterStateFile =
  | { state: 'standalone' }
  | { state: 'member'; cluster: string; joinedAt: number }
  | { state: 'removed'; cluster: string; removedBy: string; removedAt: number };

export function clusterStatePath(dataDir: string): string {
  return join(dataDir, 'cluster.json');
}

export async function readClusterState(dataDir: string): Promise<ClusterStateFile> {
  try {
    const v = JSON.parse(await readFile(clusterStatePath(dataDir), 'utf8')) as ClusterStateFile;
    if (v.state === 'member' || v.state === 'removed' || v.state === 'standalone') return v;
  } catch {
    // missing or unreadable: standalone
  }
  return { state: 'standalone' };
}

export async function writeClusterState(dataDir: string, s: ClusterStateFile): Promise<void> {
  const path = clusterStatePath(dataDir);
  ensurePrivateDir(dirname(path));
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(s), { mode: 0o600 });
  await rename(tmp, path);
}
