// Namespaces of XEP-0060 / XEP-0163 and the protocols riding on PEP.
export const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
export const NS_PUBSUB_OWNER = 'http://jabber.org/protocol/pubsub#owner';
export const NS_PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';
export const NS_PUBSUB_ERRORS = 'http://jabber.org/protocol/pubsub#errors';
export const NS_PUBSUB_NODE_CONFIG = 'http://jabber.org/protocol/pubsub#node_config';
export const NS_PUBSUB_PUBLISH_OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options';
export const NS_CAPS = 'http://jabber.org/protocol/caps';
