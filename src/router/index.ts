export {
  type RemoteDirectory,
  Router,
  type RouterDeps,
  type RouteTarget,
  type ServiceHandler,
} from './router.ts';
export { selectMessageTargets } from './select-targets.ts';
