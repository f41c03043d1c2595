export { Router, type RouterDeps } from './router.ts';
export { selectMessageTargets } from './select-targets.ts';
