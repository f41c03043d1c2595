import type { HookBus } from '../hooks/index.ts';
import type { IqDispatcher } from '../iq/index.ts';
import type { Logger } from '../observability/logger.ts';
import type {
  ModuleCommand,
  ModuleContext,
  ModuleDefinition,
  ModuleHttpRoute,
  ModuleRegistrations,
} from './module-api.ts';

interface Running {
  def: ModuleDefinition<unknown>;
  regs: ModuleRegistrations;
  undo: (() => void)[];
}

type BaseContext = Omit<ModuleContext<unknown>, 'options' | 'api' | 'moduleFeatures'>;

/** Starts the enabled modules in dependency order and registers what they return. */
export class ModuleManager {
  private readonly running: Running[] = [];
  private readonly apis = new Map<string, unknown>();

  constructor(
    private readonly hooks: HookBus,
    private readonly iq: IqDispatcher,
    private readonly log: Logger,
  ) {}

  async start(
    all: readonly ModuleDefinition<unknown>[],
    enabled: Record<string, unknown>,
    base: BaseContext,
  ): Promise<void> {
    for (const def of orderModules(all.filter((d) => Object.hasOwn(enabled, d.id)))) {
      const ctx: ModuleContext<unknown> = {
        ...base,
        options: enabled[def.id],
        api: <T>(id: string) => this.apis.get(id) as T | undefined,
        moduleFeatures: () => ({ server: this.features(), account: this.accountFeatures() }),
      };
      const regs = await def.start(ctx);
      const undo: (() => void)[] = [];
      for (const h of regs.hooks ?? []) undo.push(this.hooks.add(h));
      for (const r of regs.iq ?? []) undo.push(this.iq.register(r));
      if (regs.api !== undefined) this.apis.set(def.id, regs.api);
      this.running.push({ def, regs, undo });
      this.log.debug({ what: 'module_started', module: def.id });
    }
  }

  started(): ModuleDefinition<unknown>[] {
    return this.running.map((r) => r.def);
  }

  features(): string[] {
    return this.running.flatMap((r) => r.regs.features ?? []);
  }

  accountFeatures(): string[] {
    return this.running.flatMap((r) => r.regs.accountFeatures ?? []);
  }

  commands(): ModuleCommand[] {
    return this.running.flatMap((r) => r.regs.commands ?? []);
  }

  httpRoutes(): ModuleHttpRoute[] {
    return this.running.flatMap((r) => r.regs.http ?? []);
  }

  async stop(): Promise<void> {
    for (const r of this.running.reverse()) {
      for (const u of r.undo) u();
      try {
        await r.regs.stop?.();
      } catch (err) {
        this.log.warn({ what: 'module_stop_failed', module: r.def.id, err });
      }
    }
    this.running.length = 0;
    this.apis.clear();
  }
}

/** Topological order over `after` (a module listed after one that is not enabled just starts). */
export function orderModules<T extends { id: string; after?: readonly string[] }>(defs: T[]): T[] {
  const byId = new Map(defs.map((d) => [d.id, d]));
  const out: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (d: T): void => {
    const st = state.get(d.id);
    if (st === 'done') return;
    if (st === 'visiting') throw new Error(`module dependency cycle at ${d.id}`);
    state.set(d.id, 'visiting');
    for (const dep of d.after ?? []) {
      const depDef = byId.get(dep);
      if (depDef) visit(depDef);
    }
    state.set(d.id, 'done');
    out.push(d);
  };
  for (const d of defs) visit(d);
  return out;
}
