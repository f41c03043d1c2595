import { s } from '../../config/index.ts';
import { StanzaError } from '../../errors/index.ts';
import { NS_TIME, x } from '../../xml/index.ts';
import { defineModule } from '../module-api.ts';
import { entityTime } from './entity-time.ts';

export const modTime = defineModule({
  id: 'mod_time',
  summary: 'Tells the server’s current time and time zone offset',
  xeps: [{ xep: 202, version: '2.0' }],
  options: s.object({}, { doc: 'Entity time (XEP-0202)' }),
  async start() {
    return {
      iq: [
        {
          target: 'server',
          ns: NS_TIME,
          handler: (req) => {
            if (req.type !== 'get') throw new StanzaError('not-allowed');
            const { tzo, utc } = entityTime(new Date());
            return x('time', NS_TIME, {}, x('tzo', NS_TIME, {}, tzo), x('utc', NS_TIME, {}, utc));
          },
        },
      ],
    };
  },
});
