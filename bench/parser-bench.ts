/**
 * XML stream parser throughput: our XmppStreamParser against bare saxes on the same input.
 *
 *   node --import tsx bench/parser-bench.ts
 *
 * Prints one JSON line per case. The bare-saxes baseline decodes with the same TextDecoder and
 * only counts stanzas, so the difference is the cost of our wrapper (limits, namespaces,
 * Element building, latching).
 */
import { pathToFileURL } from 'node:url';
import { TextDecoder } from 'node:util';
import { SaxesParser } from 'saxes';
import { XmppStreamParser } from '../src/xml/parser.ts';
import { serialize } from '../src/xml/serializer.ts';

const HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " +
  "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0' xml:lang='en'>";

function smallStanza(i: number): string {
  return (
    `<message to='juliet@capulet.lit/balcony' from='romeo@montague.lit/orchard' type='chat' ` +
    `id='m${i}' xml:lang='en'><body>Art thou not Romeo, and a Montague? #${i}</body>` +
    `<active xmlns='http://jabber.org/protocol/chatstates'/></message>`
  );
}

function largeStanza(i: number): string {
  const items: string[] = [];
  for (let k = 0; k < 40; k++) {
    items.push(`<item jid='user${k}@example.com' name='User &amp; ${k}' subscription='both'>`);
    items.push(`<group>Friends</group></item>`);
  }
  const body = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit — é ü 😀. '.repeat(180);
  return (
    `<iq type='result' id='r${i}' to='juliet@capulet.lit/balcony'>` +
    `<query xmlns='jabber:iq:roster' ver='v${i}'>${items.join('')}</query>` +
    `<note xmlns='urn:example:note'>${body}</note></iq>`
  );
}

interface Workload {
  name: 'small' | 'large';
  input: Buffer;
  stanzas: number;
}

function workload(name: 'small' | 'large', targetBytes: number): Workload {
  const make = name === 'small' ? smallStanza : largeStanza;
  const parts = [HEADER];
  let bytes = HEADER.length;
  let n = 0;
  while (bytes < targetBytes) {
    const s = make(n++);
    parts.push(s, '\n');
    bytes += Buffer.byteLength(s) + 1;
  }
  return { name, input: Buffer.from(parts.join('')), stanzas: n };
}

function split(input: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; i += size) out.push(input.subarray(i, i + size));
  return out;
}

function runOurs(chunks: Buffer[]): number {
  let count = 0;
  const parser = new XmppStreamParser(
    { maxStanzaBytes: 64 * 1024 },
    {
      streamOpen() {},
      stanza() {
        count++;
      },
      streamClose() {},
      error(err) {
        throw err;
      },
    },
  );
  for (const c of chunks) parser.write(c);
  return count;
}

function runSaxes(chunks: Buffer[]): number {
  let count = 0;
  let depth = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const sax = new SaxesParser({ xmlns: false, position: false });
  sax.on('opentag', () => {
    depth++;
  });
  sax.on('text', () => {});
  sax.on('closetag', () => {
    if (--depth === 1) count++;
  });
  sax.on('error', (err) => {
    throw err;
  });
  for (const c of chunks) sax.write(decoder.decode(c, { stream: true }));
  return count;
}

function timeBest(fn: () => number, reps: number): { ms: number; count: number } {
  let best = Number.POSITIVE_INFINITY;
  let count = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    count = fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms < best) best = ms;
  }
  return { ms: best, count };
}

function serializeBench(): object {
  const r: Workload = workload('small', 64 * 1024);
  const els: ReturnType<typeof collect> = collect(r.input);
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  for (let rep = 0; rep < 50; rep++) for (const el of els) bytes += serialize(el).length;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    bench: 'xml-serializer',
    stanza: 'small',
    mb_per_s: round(bytes / 1e6 / s),
    stanzas_per_s: Math.round((els.length * 50) / s),
  };
}

function collect(input: Buffer) {
  const out: import('../src/xml/element.ts').Element[] = [];
  const parser = new XmppStreamParser(
    { maxStanzaBytes: 64 * 1024 },
    {
      streamOpen() {},
      stanza: (el) => out.push(el),
      streamClose() {},
      error(err) {
        throw err;
      },
    },
  );
  parser.write(input);
  return out;
}

const round = (n: number): number => Math.round(n * 10) / 10;

export async function runParserBench(): Promise<object[]> {
  const results: object[] = [];
  const loads = [workload('small', 16 * 1024 * 1024), workload('large', 16 * 1024 * 1024)];
  for (const load of loads) {
    for (const chunk of [64, 64 * 1024]) {
      const chunks = split(load.input, chunk);
      for (const [impl, fn] of [
        ['meerkat', runOurs],
        ['saxes', runSaxes],
      ] as const) {
        const { ms, count } = timeBest(() => fn(chunks), 4);
        if (count !== load.stanzas) throw new Error(`${impl}: ${count} != ${load.stanzas}`);
        results.push({
          bench: 'xml-parser',
          impl,
          stanza: load.name,
          stanza_bytes: Math.round(load.input.length / load.stanzas),
          chunk_bytes: chunk,
          mb_per_s: round(load.input.length / 1e6 / (ms / 1000)),
          stanzas_per_s: Math.round(count / (ms / 1000)),
        });
      }
      // Yield between cases so a caller's timers and I/O are not starved.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  results.push(serializeBench());
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await runParserBench()) console.log(JSON.stringify(line));
}
