import { release, type } from 'node:os';
import { s } from '../../config/index.ts';
import { StanzaError } from '../../errors/index.ts';
import { NS_VERSION, x } from '../../xml/index.ts';
import { defineModule } from '../module-api.ts';

const options = s.object(
  {
    iq_disclose_os: s.bool({
      doc: 'Include the operating system in answers (XEP-0092 §5 warns against it)',
      default: false,
    }),
    hide_version: s.bool({
      doc: 'Answer with an empty <version/> instead of the server version',
      default: false,
    }),
    name: s.string({ doc: 'Software name in answers', default: 'Meerkat', nonEmpty: true }),
  },
  { doc: 'Software version (XEP-0092)' },
);

export const modVersion = defineModule({
  id: 'mod_version',
  summary: 'Tells the server software name and version (and optionally its OS)',
  xeps: [{ xep: 92, version: '1.1' }],
  options,
  async start(ctx) {
    const { iq_disclose_os, hide_version, name } = ctx.options;
    // XEP-0092 §2: name and version are required in a result, os optional.
    const version = hide_version ? '' : ctx.serverVersion;
    const os = iq_disclose_os ? `${type()} ${release()}` : undefined;
    return {
      iq: [
        {
          target: 'server',
          ns: NS_VERSION,
          handler: (req) => {
            if (req.type !== 'get') throw new StanzaError('not-allowed');
            return x(
              'query',
              NS_VERSION,
              {},
              x('name', NS_VERSION, {}, name),
              x('version', NS_VERSION, {}, version),
              os === undefined ? undefined : x('os', NS_VERSION, {}, os),
            );
          },
        },
      ],
    };
  },
});
