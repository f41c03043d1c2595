export { type RemoteDirectory, Router, type RouterDeps, type RouteTarget } from './router.ts';
export { selectMessageTargets } from './select-targets.ts';
