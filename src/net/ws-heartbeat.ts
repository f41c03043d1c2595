import type { WebSocket } from 'ws';

/**
 * Finds dead WebSocket peers (issue 6: ping/idle timeout). Every interval each socket that showed
 * no sign of life since the previous sweep is terminated, the others are pinged. A pong or any
 * message counts as life. One timer per listener, not one per connection.
 */
export class WsHeartbeat {
  private readonly alive = new Map<WebSocket, boolean>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => this.sweep(), intervalMs);
    this.timer.unref();
  }

  get size(): number {
    return this.alive.size;
  }

  add(ws: WebSocket): void {
    const mark = () => {
      if (this.alive.has(ws)) this.alive.set(ws, true);
    };
    this.alive.set(ws, true);
    ws.on('pong', mark);
    ws.on('message', mark);
    ws.once('close', () => this.alive.delete(ws));
  }

  private sweep(): void {
    for (const [ws, seen] of this.alive) {
      if (!seen) {
        this.alive.delete(ws);
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
