// Minimal typings for the parts of xmpp.js (@xmpp/client, which ships no types) our tests use.
declare module '@xmpp/xml' {
  export interface Element {
    name: string;
    attrs: Record<string, string>;
    children: (Element | string)[];
    is(name: string, xmlns?: string): boolean;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    getText(): string;
    toString(): string;
  }
  export function xml(
    name: string,
    attrs?: Record<string, string | undefined>,
    ...children: (Element | string)[]
  ): Element;
  export default xml;
}

declare module '@xmpp/client' {
  import type { Element } from '@xmpp/xml';
  export interface Client {
    jid: { toString(): string } | null;
    status: string;
    socket: unknown;
    reconnect: { stop(): void };
    iqCaller: { request(el: Element, timeout?: number): Promise<Element> };
    iqCallee: {
      get(
        ns: string,
        name: string,
        handler: (ctx: { element: Element; stanza: Element }) => Element | undefined,
      ): void;
    };
    on(event: 'stanza', cb: (s: Element) => void): void;
    on(
      event: 'error' | 'offline' | 'online' | 'status' | 'element' | 'nonza',
      cb: (...a: unknown[]) => void,
    ): void;
    removeListener(event: string, cb: (...a: never[]) => void): void;
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    send(el: Element): Promise<void>;
  }
  export function client(opts: Record<string, unknown>): Client;
  export { xml } from '@xmpp/xml';
}
