/**
 * The schema of meerkat.toml (ARCHITECTURE.md §7), sections after MongooseIM's.
 * Cross-section rules live in cross-checks.ts.
 */
import { checkConfig } from './cross-checks.ts';
import { ip, listenSchema, port } from './listen-schema.ts';
import { type ModulesConfig, modulesSchema } from './modules-schema.ts';
import { type Infer, type Schema, s } from './schema.ts';

const DOMAIN_PATTERN = /^[^\s@/"'<>&]+$/;
const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

const general = s.object(
  {
    hosts: s.array(
      s.string({ pattern: DOMAIN_PATTERN, patternHint: 'a domain name', doc: 'An XMPP domain' }),
      { default: ['localhost'], minItems: 1, doc: 'XMPP domains served by this node' },
    ),
    loglevel: s.string({
      enum: ['trace', 'debug', 'info', 'warn', 'error'],
      default: 'info',
      doc: 'Lowest level written to the log; stanzas are logged only at debug and trace',
    }),
    log_file: s.optional(
      s.path({ doc: 'File that receives the JSON log lines (appended); unset: standard output' }),
    ),
    data_dir: s.path({
      default: './data',
      doc: 'Directory for the SQLite database and node state',
    }),
    max_stanza_size: s.int({
      min: 1024,
      default: 65536,
      doc: 'Largest stanza accepted after authentication, in bytes (larger: policy-violation)',
    }),
    max_stanza_size_preauth: s.int({
      min: 512,
      default: 8192,
      doc: 'Largest stanza accepted before authentication, in bytes',
    }),
    connection_timeout_ms: s.int({
      min: 1000,
      default: 30000,
      doc: 'Deadline for a new connection to finish TLS and authentication before it is closed',
    }),
  },
  { doc: 'Server-wide settings' },
);

const node = s.object(
  {
    name: s.string({
      pattern: /^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+$/,
      patternHint: 'name@host',
      default: 'meerkat@localhost',
      doc: 'Node name; the host part is where meerkatctl finds the control port (env MEERKAT_NODE)',
    }),
    cookie: s.optional(
      s.string({
        nonEmpty: true,
        doc: 'Shared secret of the cluster, same on every node (env MEERKAT_COOKIE)',
      }),
    ),
    cookie_file: s.optional(s.path({ doc: 'File holding the cookie, instead of cookie' })),
    dist_port_min: port('First port of the control port range', 50000),
    dist_port_max: port('Last port of the control port range', 50010),
    max_connections: s.int({
      min: 1,
      default: 10000,
      doc: 'Cap on client connections of the whole node; compared with the open-files limit at start',
    }),
  },
  {
    doc: 'Node identity and control port (ARCHITECTURE.md §3)',
    check(v, report) {
      if (v.dist_port_min > v.dist_port_max) {
        report('dist_port_max', `must be >= dist_port_min (${v.dist_port_min})`);
      }
      if (v.cookie !== undefined && v.cookie_file !== undefined) {
        report('cookie_file', 'set cookie or cookie_file, not both');
      }
    },
  },
);

const metrics = s.object(
  {
    enabled: s.bool({ default: true, doc: 'Serve Prometheus metrics at GET /metrics' }),
    ip: ip('Address to bind; keep it on loopback unless a firewall protects it', '127.0.0.1'),
    port: port('TCP port', 9091),
  },
  { doc: 'Prometheus metrics endpoint' },
);

const auth = s.object(
  {
    scram_iterations: s.int({
      min: 4096,
      max: 10_000_000,
      default: 10000,
      doc: 'PBKDF2 iterations of new SCRAM secrets (RFC 7677 §4: at least 4096)',
    }),
    methods: s.array(s.string({ enum: ['internal'], doc: 'An authentication backend' }), {
      default: ['internal'],
      minItems: 1,
      doc: 'Authentication backends, tried in order; internal = accounts in [storage]',
    }),
  },
  { doc: 'Authentication' },
);

const storage = s.object(
  {
    backend: s.string({
      enum: ['sqlite', 'postgres'],
      default: 'sqlite',
      doc: 'Database: sqlite for one node, postgres for a cluster',
    }),
    sqlite: s.object(
      {
        path: s.optional(s.path({ doc: 'Database file (unset: <data_dir>/meerkat.db)' })),
      },
      { doc: 'SQLite settings' },
    ),
    postgres: s.object(
      {
        url: s.optional(
          s.string({
            pattern: /^postgres(ql)?:\/\//,
            patternHint: 'a postgres:// URL',
            doc: 'Connection URL; required when backend = "postgres"',
          }),
        ),
        pool_size: s.int({ min: 1, max: 1000, default: 10, doc: 'Connections in the pool' }),
      },
      { doc: 'PostgreSQL settings' },
    ),
    query_timeout_ms: s.int({
      min: 100,
      default: 5000,
      doc: 'Deadline of one database query; a late query fails with internal-server-error',
    }),
  },
  {
    doc: 'Persistent data (ARCHITECTURE.md §5)',
    check(v, report) {
      if (v.backend === 'postgres' && v.postgres.url === undefined) {
        report('postgres.url', 'required when storage.backend = "postgres"');
      }
    },
  },
);

const cluster = s.object(
  {
    discovery: s.string({
      enum: ['manual', 'auto'],
      default: 'manual',
      doc: 'manual: nodes join with meerkatctl join_cluster; auto: nodes with the same name join at start',
    }),
    name: s.optional(
      s.string({
        pattern: NAME_PATTERN,
        patternHint: 'letters, digits, _ or -',
        doc: 'Cluster name; required when discovery = "auto"',
      }),
    ),
    nats: s.object(
      {
        servers: s.array(
          s.string({
            pattern: /^(nats|tls|ws|wss):\/\/./,
            patternHint: 'a nats:// URL',
            doc: 'A NATS server',
          }),
          { default: ['nats://127.0.0.1:4222'], minItems: 1, doc: 'NATS servers of the backbone' },
        ),
      },
      { doc: 'Cluster backbone (ARCHITECTURE.md §4)' },
    ),
    heartbeat_interval_ms: s.int({
      min: 100,
      default: 2000,
      doc: 'How often this node announces it is alive',
    }),
    node_timeout_ms: s.int({
      min: 500,
      default: 10000,
      doc: 'A node silent this long is considered down and its sessions dropped',
    }),
    advertised_host: s.optional(
      s.string({
        nonEmpty: true,
        doc: 'Host[:port] that <see-other-host/> sends clients to when this node drains or leaves the cluster: normally the load balancer (unset: <system-shutdown/>)',
      }),
    ),
  },
  {
    doc: 'Clustering',
    check(v, report) {
      if (v.discovery === 'auto' && v.name === undefined) {
        report('name', 'required when cluster.discovery = "auto"');
      }
      if (v.node_timeout_ms <= v.heartbeat_interval_ms) {
        report('node_timeout_ms', `must be > heartbeat_interval_ms (${v.heartbeat_interval_ms})`);
      }
    },
  },
);

const shaper = s.record(
  s.object(
    { max_rate: s.int({ min: 1, doc: 'Bytes per second read from one connection' }) },
    { doc: 'A traffic shaper' },
  ),
  { keyPattern: NAME_PATTERN, keyHint: 'letters, digits, _ or -', doc: 'Named read-rate limits' },
);

const acl = s.record(
  s.array(
    s.object(
      {
        user: s.optional(s.string({ doc: 'Exact user (localpart)' })),
        server: s.optional(s.string({ doc: 'Exact domain' })),
        user_regex: s.optional(s.string({ doc: 'Regular expression over the localpart' })),
      },
      { doc: 'A user pattern; every key set must match; no keys matches everyone' },
    ),
    { doc: 'User patterns; a user in the ACL matches any of them' },
  ),
  {
    keyPattern: NAME_PATTERN,
    keyHint: 'letters, digits, _ or -',
    doc: 'Reserved: named user sets',
  },
);

const access = s.record(
  s.array(
    s.object(
      {
        acl: s.string({ nonEmpty: true, doc: 'An [acl] name, or "all"' }),
        value: s.oneOf([s.string({ doc: 'allow, deny or a name' }), s.int({ doc: 'A number' })], {
          doc: 'Result when the ACL matches: "allow", "deny", a number or a shaper name',
        }),
      },
      { doc: 'A rule' },
    ),
    { doc: 'Rules tried in order; the first matching ACL gives the value' },
  ),
  { keyPattern: NAME_PATTERN, keyHint: 'letters, digits, _ or -', doc: 'Reserved: access rules' },
);

export interface ConfigSchemaOptions {
  /** Each module's options schema, by module id (`mod_ping`). */
  moduleSchemas: Readonly<Record<string, Schema<unknown>>>;
  /** Modules enabled with default options when the file has no [modules] table. */
  defaultModules?: readonly string[];
}

function sections(modules: Schema<ModulesConfig>) {
  return {
    general,
    node,
    listen: listenSchema,
    metrics,
    auth,
    storage,
    cluster,
    modules,
    shaper,
    acl,
    access,
  };
}

export type ConfigSections = ReturnType<typeof sections>;
export type RawConfig = { [K in keyof ConfigSections]: Infer<ConfigSections[K]> };

export function buildConfigSchema(opts: ConfigSchemaOptions): Schema<RawConfig> {
  const modules = modulesSchema(opts.moduleSchemas, opts.defaultModules ?? []);
  return s.object(sections(modules), { doc: 'meerkat.toml', check: checkConfig });
}
