import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ALL_MODULES } from '../modules/registry.ts';
import { ConfigError, loadConfig, parseConfig } from './load.ts';
import { s } from './schema.ts';

const noModules = { moduleSchemas: {}, env: {} };

/** The issues a config text produces, as `path: reason` lines. */
function problems(text: string, extra: Partial<Parameters<typeof parseConfig>[1]> = {}): string[] {
  try {
    parseConfig(text, { ...noModules, ...extra });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.path}: ${i.reason}`);
  }
  return assert.fail('expected a ConfigError');
}

describe('defaults', () => {
  test('no file gives the embedded default', () => {
    const c = loadConfig(noModules);
    assert.deepEqual(c.general.hosts, ['localhost']);
    assert.equal(c.general.loglevel, 'info');
    assert.equal(c.general.data_dir, resolve('data'));
    assert.equal(c.general.max_stanza_size, 65536);
    assert.equal(c.general.max_stanza_size_preauth, 8192);
    assert.equal(c.node.name, 'meerkat@localhost');
    assert.equal(c.node.cookie, undefined);
    assert.deepEqual([c.node.dist_port_min, c.node.dist_port_max], [50000, 50010]);
    assert.equal(c.listen.c2s.length, 2);
    assert.deepEqual([c.listen.c2s[0].port, c.listen.c2s[0].ip], [5222, '0.0.0.0']);
    assert.equal(c.listen.c2s[0].tls.mode, 'starttls_required');
    assert.deepEqual([c.listen.c2s[1].port, c.listen.c2s[1].tls.mode], [5223, 'tls']);
    assert.deepEqual(
      c.listen.http.map((h) => [h.port, h.paths.websocket, h.paths.bosh]),
      [[5280, '/ws-xmpp', '/http-bind']],
    );
    assert.deepEqual([c.metrics.ip, c.metrics.port], ['127.0.0.1', 9091]);
    assert.equal(c.storage.backend, 'sqlite');
    assert.equal(c.storage.sqlite.path, join(resolve('data'), 'meerkat.db'));
    assert.equal(c.cluster.discovery, 'manual');
    assert.deepEqual(c.modules, {});
  });

  test('an HTTP listener gets its default paths', () => {
    const c = parseConfig('[[listen.http]]\nport = 8080\n', noModules);
    assert.deepEqual(c.listen.http[0].paths, {
      websocket: '/ws-xmpp',
      bosh: '/http-bind',
      health: true,
      host_meta: true,
    });
    const off = parseConfig('[[listen.http]]\npaths.bosh = false\n', noModules);
    assert.equal(off.listen.http[0].paths.bosh, false);
  });
});

describe('errors', () => {
  test('TOML syntax errors give line and column', () => {
    const [line] = problems('[general]\nhosts = ["a"]\nloglevel = \n');
    assert.match(line, /^meerkat\.toml:3:\d+: TOML syntax error at line 3, column \d+: /);
  });

  test('every problem is listed, one per line, in the message', () => {
    const text = '[general]\nloglvl = "info"\n[[listen.c2s]]\nport = "abc"\n';
    assert.deepEqual(problems(text), [
      'general.loglvl: unknown key (did you mean "loglevel"?)',
      'listen.c2s[0].port: expected an integer between 1 and 65535, got "abc"',
    ]);
    assert.throws(
      () => parseConfig(text, noModules),
      (err: Error) =>
        err.message.split('\n').slice(1).join('\n') ===
        'general.loglvl: unknown key (did you mean "loglevel"?)\n' +
          'listen.c2s[0].port: expected an integer between 1 and 65535, got "abc"',
    );
  });

  test('unknown sections are errors', () => {
    assert.deepEqual(problems('[stroage]\n'), ['stroage: unknown key (did you mean "storage"?)']);
  });

  test('a missing file named explicitly is an error', () => {
    assert.throws(
      () => loadConfig({ ...noModules, path: '/nonexistent/meerkat.toml' }),
      /cannot read/,
    );
  });
});

describe('cross-field rules', () => {
  const cases: [string, string, string][] = [
    [
      'port range',
      '[node]\ndist_port_min = 50010\ndist_port_max = 50000',
      'node.dist_port_max: must be >= dist_port_min (50010)',
    ],
    [
      'cookie twice',
      '[node]\ncookie = "a"\ncookie_file = "c"',
      'node.cookie_file: set cookie or cookie_file, not both',
    ],
    ['node name', '[node]\nname = "meerkat"', 'node.name: expected name@host, got "meerkat"'],
    [
      'postgres url',
      '[storage]\nbackend = "postgres"',
      'storage.postgres.url: required when storage.backend = "postgres"',
    ],
    [
      'cluster name',
      '[storage]\nbackend = "postgres"\npostgres.url = "postgres://h/db"\n[cluster]\ndiscovery = "auto"',
      'cluster.name: required when cluster.discovery = "auto"',
    ],
    [
      'auto needs postgres',
      '[cluster]\ndiscovery = "auto"\nname = "c"',
      'cluster.discovery: discovery = "auto" needs storage.backend = "postgres"',
    ],
    [
      'timeouts',
      '[cluster]\nheartbeat_interval_ms = 5000\nnode_timeout_ms = 5000',
      'cluster.node_timeout_ms: must be > heartbeat_interval_ms (5000)',
    ],
    [
      'cert pair',
      '[[listen.c2s]]\ntls.certfile = "a.crt"',
      'listen.c2s[0].tls.keyfile: certfile and keyfile must be set together',
    ],
    [
      'cert without key',
      '[[listen.c2s]]\ntls.mode = "tls"\ntls.certfile = "a.pem"',
      'listen.c2s[0].tls.keyfile: certfile and keyfile must be set together',
    ],
    [
      'same port',
      '[[listen.c2s]]\n[[listen.http]]\nport = 5222',
      'listen.http[0].port: port 5222 is already used by listen.c2s[0]',
    ],
    [
      'ws = bosh',
      '[[listen.http]]\npaths.websocket = "/x"\npaths.bosh = "/x"',
      'listen.http[0].paths.bosh: must differ from paths.websocket',
    ],
    [
      'shaper ref',
      '[[listen.c2s]]\nshaper = "fast"',
      'listen.c2s[0].shaper: unknown shaper "fast" (no [shaper.NAME] is defined)',
    ],
    [
      'acl ref',
      '[access]\nc2s = [{ acl = "admins", value = "allow" }]',
      'access.c2s[0].acl: unknown acl "admins"',
    ],
    [
      'scram floor',
      '[auth]\nscram_iterations = 1000',
      'auth.scram_iterations: expected an integer between 4096 and 10000000, got 1000',
    ],
  ];
  for (const [name, text, expected] of cases) {
    test(`rejects: ${name}`, () => assert.deepEqual(problems(text), [expected]));
  }

  test('two listeners on different addresses may share a port', () => {
    const c = parseConfig(
      '[[listen.c2s]]\nip = "127.0.0.1"\n[[listen.c2s]]\nip = "10.0.0.1"\n',
      noModules,
    );
    assert.equal(c.listen.c2s.length, 2);
  });
});

describe('environment overrides', () => {
  test('MEERKAT_NODE, MEERKAT_COOKIE and MEERKAT_DATA_DIR win over the file', () => {
    const text = '[node]\nname = "a@b"\ncookie_file = "cookie"\n[general]\ndata_dir = "/srv/x"\n';
    const env = { MEERKAT_NODE: 'n2@host2', MEERKAT_COOKIE: 'sekrit', MEERKAT_DATA_DIR: 'rel' };
    const c = parseConfig(text, { moduleSchemas: {}, env });
    assert.equal(c.node.name, 'n2@host2');
    assert.equal(c.node.cookie, 'sekrit');
    assert.equal(c.node.cookie_file, undefined);
    assert.equal(c.general.data_dir, resolve('rel'));
  });

  test('an invalid env value names the variable', () => {
    assert.deepEqual(problems('', { env: { MEERKAT_NODE: 'bad' } }), [
      'node.name: expected name@host, got "bad" (from MEERKAT_NODE)',
    ]);
  });
});

describe('modules', () => {
  const moduleSchemas = {
    mod_offline: s.object(
      { max_messages: s.int({ min: 0, default: 100, doc: 'm' }) },
      { doc: 'offline' },
    ),
    mod_ping: s.object({}, { doc: 'ping' }),
  };

  test('a listed module is enabled with its defaults filled', () => {
    const c = parseConfig('[modules.mod_offline]\n[modules.mod_ping]\n', {
      moduleSchemas,
      env: {},
    });
    assert.deepEqual(c.modules, { mod_offline: { max_messages: 100 }, mod_ping: {} });
  });

  test('enabled = false turns a module off but still validates its options', () => {
    const c = parseConfig('[modules.mod_ping]\nenabled = false\n', { moduleSchemas, env: {} });
    assert.deepEqual(c.modules, {});
    const bad = '[modules.mod_offline]\nenabled = false\nmax_messages = -1\n';
    assert.deepEqual(problems(bad, { moduleSchemas }), [
      'modules.mod_offline.max_messages: expected an integer >= 0, got -1',
    ]);
  });

  test('unknown module ids and option keys are errors', () => {
    assert.deepEqual(problems('[modules.mod_pign]\n', { moduleSchemas }), [
      'modules.mod_pign: unknown module (did you mean "mod_ping"?)',
    ]);
    assert.deepEqual(problems('[modules.mod_roster]\n', { moduleSchemas }), [
      'modules.mod_roster: unknown module (known modules: mod_offline, mod_ping)',
    ]);
    assert.deepEqual(problems('[modules.mod_offline]\nmax_mesages = 1\n', { moduleSchemas }), [
      'modules.mod_offline.max_mesages: unknown key (did you mean "max_messages"?)',
    ]);
  });

  test('without a [modules] table the default modules are enabled', () => {
    const c = parseConfig('', { moduleSchemas, env: {}, defaultModules: ['mod_ping'] });
    assert.deepEqual(c.modules, { mod_ping: {} });
    const none = parseConfig('[modules]\n', {
      moduleSchemas,
      env: {},
      defaultModules: ['mod_ping'],
    });
    assert.deepEqual(none.modules, {});
  });
});

describe('files', () => {
  test('relative paths resolve against the config file directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meerkat-cfg-'));
    try {
      const file = join(dir, 'meerkat.toml');
      writeFileSync(
        file,
        '[general]\ndata_dir = "state"\n[[listen.c2s]]\ntls.certfile = "c.pem"\ntls.keyfile = "k.pem"\n',
      );
      const c = loadConfig({ ...noModules, path: file });
      assert.equal(c.general.data_dir, join(dir, 'state'));
      assert.equal(c.storage.sqlite.path, join(dir, 'state', 'meerkat.db'));
      assert.equal(c.listen.c2s[0].tls.keyfile, join(dir, 'k.pem'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('meerkat.example.toml loads and validates as is', () => {
    const moduleSchemas = Object.fromEntries(ALL_MODULES.map((m) => [m.id, m.options]));
    const path = new URL('../../meerkat.example.toml', import.meta.url).pathname;
    const c = loadConfig({ path, env: {}, moduleSchemas });
    assert.equal(c.listen.http[0].paths.websocket, '/ws-xmpp');
    assert.equal(c.listen.c2s[0].shaper, 'normal');
  });
});
