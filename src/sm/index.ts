export { type LocalSession, SessionManager } from './session-manager.ts';
