export {
  errorReply,
  StanzaError,
  type StanzaErrorCondition,
  type StanzaErrorType,
} from './stanza-error.ts';
export { StreamError, type StreamErrorCondition } from './stream-error.ts';
