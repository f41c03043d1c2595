export {
  IqDispatcher,
  type IqHandler,
  type IqRegistration,
  type IqRequest,
  type IqTarget,
} from './dispatcher.ts';
export { IqTracker } from './tracker.ts';
