import type { Schema } from '../config/index.ts';
import type { HookBus, HookHandler, HookName, HookRegistration } from '../hooks/index.ts';
import type { IqDispatcher, IqRegistration, IqTracker } from '../iq/index.ts';
import type { HttpHandler } from '../net/http-listener.ts';
import type { Logger } from '../observability/logger.ts';
import type { ModuleCounters } from '../observability/metrics.ts';
import type { Router } from '../router/index.ts';
import type { SessionManager } from '../sm/index.ts';
import type { SqlDb } from '../storage/index.ts';

export interface XepDeclaration {
  xep: number;
  version: string;
  /** What is supported, when partial. */
  note?: string;
}

/** An operator command a module adds (offline message counts...), run by meerkatctl. */
export interface ModuleCommand {
  name: string;
  summary: string;
  args: { name: string; doc: string }[];
  run(args: string[]): Promise<{ text: string; json?: unknown }>;
}

/** Everything a module may use; services are passed in, never reached globally. */
export interface ModuleContext<O> {
  options: O;
  hosts: readonly string[];
  hooks: HookBus;
  iq: IqDispatcher;
  tracker: IqTracker;
  router: Router;
  sm: SessionManager;
  db: SqlDb;
  log: Logger;
  /** The node's Prometheus counters that modules report to (docs/metrics.md). */
  metrics: ModuleCounters;
  /** Whether an account exists (accounts live in the auth store). */
  userExists(user: string, domain: string): Promise<boolean>;
  /** Account writes (XEP-0077): passwords become SCRAM secrets with [auth] scram_iterations. */
  accounts: {
    create(user: string, domain: string, password: string): Promise<'created' | 'exists'>;
    setPassword(user: string, domain: string, password: string): Promise<boolean>;
  };
  /** Removes an account and everything it owns (runs remove-user). */
  removeUser(user: string, domain: string): Promise<boolean>;
  /** The server software's version (XEP-0092). */
  serverVersion: string;
  /** disco#info features the started modules declare; read at request time (XEP-0030). */
  moduleFeatures(): { server: string[]; account: string[] };
  /** Other modules' public APIs by module id (only modules started before this one). */
  api<T>(id: string): T | undefined;
  /** [general] data_dir: where a module keeps files of its own. */
  dataDir: string;
  /** The started `[[listen.http]]` listeners; empty until they listen (read at request time). */
  httpListeners(): readonly { ip: string; port: number; secure: boolean }[];
}

/** An HTTP endpoint a module serves on every `[[listen.http]]` listener. */
export interface ModuleHttpRoute {
  /** Every request whose path starts with this (e.g. `/upload/`). */
  prefix: string;
  handler: HttpHandler;
}

export interface ModuleRegistrations {
  hooks?: HookRegistration[];
  iq?: IqRegistration[];
  /** disco#info features of the server this module provides (beyond its IQ namespaces). */
  features?: string[];
  /** disco#info features of accounts' bare JIDs. */
  accountFeatures?: string[];
  commands?: ModuleCommand[];
  /** HTTP endpoints by path prefix (on the HTTP listeners, which start after the modules). */
  http?: ModuleHttpRoute[];
  /** A public API object other modules may use via ctx.api(id). */
  api?: unknown;
  stop?(): Promise<void>;
}

/** A feature module: data plus start() (STYLE.md, after ejabberd's gen_mod). */
export interface ModuleDefinition<O = unknown> {
  id: `mod_${string}`;
  summary: string;
  xeps: readonly XepDeclaration[];
  options: Schema<O>;
  /** Modules this one needs started first (their api is available in start()). */
  after?: readonly string[];
  start(ctx: ModuleContext<O>): Promise<ModuleRegistrations>;
}

export function defineModule<O>(def: ModuleDefinition<O>): ModuleDefinition<O> {
  return def;
}

/**
 * One hook registration, typed by its hook name (a plain object literal in a mixed array loses
 * the per-hook types of `acc` and `params`).
 */
export function onHook<K extends HookName>(
  hook: K,
  handler: HookHandler<K>,
  priority?: number,
): HookRegistration {
  return { hook, handler, priority } as unknown as HookRegistration;
}
