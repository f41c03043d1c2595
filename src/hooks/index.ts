export { HookBus, type HookHandler, type HookRegistration, type HookResult, Stop } from './bus.ts';
export type { HookAcc, HookCatalogue, HookName, HookParams, SessionRef } from './catalogue.ts';
