import type { HookAcc, HookName, HookParams } from './catalogue.ts';

/** Returned by a handler to stop the chain; `acc` replaces the accumulator if given. */
export class Stop<A> {
  constructor(readonly acc?: A) {}
}

export type HookHandler<K extends HookName> = (
  acc: HookAcc<K>,
  params: HookParams<K>,
) => HookAcc<K> | Stop<HookAcc<K>> | Promise<HookAcc<K> | Stop<HookAcc<K>>>;

export interface HookRegistration<K extends HookName = HookName> {
  hook: K;
  handler: HookHandler<K>;
  /** Lower runs first (MongooseIM/ejabberd convention). Default 50. */
  priority?: number;
}

export interface HookResult<A> {
  acc: A;
  stopped: boolean;
}

interface Entry {
  handler: HookHandler<HookName>;
  priority: number;
}

/** Typed hook bus: one per node (no globals). */
export class HookBus {
  private readonly table = new Map<HookName, Entry[]>();

  add<K extends HookName>(reg: HookRegistration<K>): () => void {
    const list = this.table.get(reg.hook) ?? [];
    const entry: Entry = {
      handler: reg.handler as unknown as HookHandler<HookName>,
      priority: reg.priority ?? 50,
    };
    list.push(entry);
    list.sort((a, b) => a.priority - b.priority);
    this.table.set(reg.hook, list);
    return () => {
      const cur = this.table.get(reg.hook);
      if (!cur) return;
      const i = cur.indexOf(entry);
      if (i >= 0) cur.splice(i, 1);
    };
  }

  has(hook: HookName): boolean {
    return (this.table.get(hook)?.length ?? 0) > 0;
  }

  async run<K extends HookName>(
    hook: K,
    acc: HookAcc<K>,
    params: HookParams<K>,
  ): Promise<HookResult<HookAcc<K>>> {
    const list = this.table.get(hook);
    if (!list || list.length === 0) return { acc, stopped: false };
    let cur = acc;
    // Copy: a handler may unregister itself while running.
    for (const { handler } of list.slice()) {
      const out = await (handler as unknown as HookHandler<K>)(cur, params);
      if (out instanceof Stop) {
        return { acc: out.acc === undefined ? cur : (out.acc as HookAcc<K>), stopped: true };
      }
      cur = out as HookAcc<K>;
    }
    return { acc: cur, stopped: false };
  }
}
