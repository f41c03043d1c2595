export {
  type BareJid,
  type FullJid,
  Jid,
  JidError,
  makeJid,
  normalizeLocalpart,
  parseJid,
  tryParseJid,
} from './jid.ts';
