import type { ReadyState } from './http-listener.ts';

export interface ReadinessSources {
  /** The node's lifecycle status; only 'started' is ready. */
  status(): string;
  draining(): boolean;
  /** Resolves when storage answers (SqlDb.ping). */
  pingStorage(): Promise<void>;
  /** Cluster backbone state: 'none' when standalone; anything but 'connected' is not ready. */
  backbone?(): string;
  /** Storage must answer within this time. Default 2000 ms. */
  timeoutMs?: number;
}

/**
 * The /ready check (issue 6): a load balancer sends new clients only to a node that is started,
 * reaches its storage and is not draining. Every failing condition is reported.
 */
export async function checkReadiness(src: ReadinessSources): Promise<ReadyState> {
  const reasons: string[] = [];
  const status = src.status();
  if (status !== 'started') reasons.push(status);
  if (src.draining()) reasons.push('draining');
  const backbone = src.backbone?.() ?? 'none';
  if (backbone !== 'none' && backbone !== 'connected') reasons.push(`backbone_${backbone}`);
  if (!(await answersWithin(src.pingStorage, src.timeoutMs ?? 2000))) {
    reasons.push('storage_unreachable');
  }
  return { ready: reasons.length === 0, reasons };
}

async function answersWithin(ping: () => Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([ping().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
