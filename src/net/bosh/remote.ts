import type { HttpClientInfo } from '../http-listener.ts';

/**
 * How an endpoint reaches BOSH sessions held by other nodes of a cluster (issue 6: a request
 * reaching any node is served, so a load balancer needs no stickiness). Standalone nodes have
 * none; the cluster's implementation is src/cluster/bosh-directory.ts.
 */
export interface BoshRemote {
  /**
   * A session was created here. Resolves once other nodes can find it: the creation response
   * waits for this, so the client's next request may go to any node.
   */
  created(sid: string): Promise<void>;
  /** The session left this node's table. */
  ended(sid: string): void;
  /**
   * Serves a request whose sid this node does not hold: the owner answers it (the response
   * body). `undefined` when no running node holds the sid (XEP-0124 §17.2 item-not-found).
   */
  forward(sid: string, body: Buffer, client: HttpClientInfo): Promise<string | undefined>;
}

/** What a cluster directory needs from a local endpoint to serve forwarded requests. */
export interface BoshLocalEndpoint {
  has(sid: string): boolean;
  sids(): Iterable<string>;
  /** Handles a forwarded request exactly like one read from HTTP here; resolves with the body. */
  serveForwarded(body: Buffer, client: HttpClientInfo): Promise<string>;
}
