import type { ModuleContext } from '../module-api.ts';

/** The account writes in-band registration needs (the node's, via ModuleContext). */
export type AccountWriter = ModuleContext<unknown>['accounts'];
