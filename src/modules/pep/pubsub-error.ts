import { StanzaError, type StanzaErrorCondition } from '../../errors/index.ts';
import { x } from '../../xml/index.ts';
import { NS_PUBSUB_ERRORS } from './ns.ts';

/** A stanza error with a XEP-0060 pubsub#errors application condition (§7, §6.5...). */
export function pubsubError(
  condition: StanzaErrorCondition,
  app: string,
  text?: string,
  attrs?: Record<string, string>,
): StanzaError {
  return new StanzaError(condition, { text, appCondition: x(app, NS_PUBSUB_ERRORS, attrs) });
}

/** XEP-0060 §4.6 / §5: a feature we do not implement, named. */
export function unsupported(feature: string): StanzaError {
  return pubsubError('feature-not-implemented', 'unsupported', undefined, { feature });
}
