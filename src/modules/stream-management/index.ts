import { s } from '../../config/index.ts';
import { Stop } from '../../hooks/index.ts';
import { NS_SM, x } from '../../xml/index.ts';
import { defineModule, onHook } from '../module-api.ts';
import { failed } from './sm-elements.ts';
import { SmService } from './sm-service.ts';

const options = s.object(
  {
    buffer_max: s.int({
      doc: 'Unacknowledged stanzas kept per session; beyond it (after a 1 s grace) the stream ends with resource-constraint and they are rerouted',
      default: 100,
      min: 1,
      max: 10_000,
    }),
    ack_freq: s.int({
      doc: 'The server requests an acknowledgement (<r/>) after this many stanzas sent',
      default: 1,
      min: 1,
      max: 1000,
    }),
    resume_timeout: s.int({
      doc: 'Seconds a session whose connection dropped waits for <resume/>; 0 disables resumption',
      default: 600,
      min: 0,
      max: 86_400,
    }),
    max_resume_timeout: s.int({
      doc: "Upper bound in seconds on the resumption time a client asks for with 'max'",
      default: 600,
      min: 1,
      max: 86_400,
    }),
  },
  { doc: 'Stream Management (XEP-0198): acknowledgements and stream resumption' },
);

/** mod_stream_management: XEP-0198 acks, resumption, and no unacknowledged message lost. */
export const modStreamManagement = defineModule({
  id: 'mod_stream_management',
  summary: 'Stream Management (XEP-0198): stanza acknowledgements and stream resumption',
  xeps: [
    { xep: 198, version: '1.6.3', note: 'c2s only; resumption on the node that held the session' },
  ],
  options,
  async start(ctx) {
    const o = ctx.options;
    const service = new SmService(
      {
        bufferMax: o.buffer_max,
        ackFreq: o.ack_freq,
        resumeTimeout: o.resume_timeout,
        maxResumeTimeout: o.max_resume_timeout,
      },
      ctx.router,
      ctx.log,
    );
    return {
      hooks: [
        // XEP-0198 §2: offered after authentication.
        // Not over BOSH: it has its own reliability (rid retransmission, XEP-0124 §9/§18), as
        // in Prosody; and clients (stanza.js) mix the two badly.
        onHook('c2s-stream-features', (acc, { session }) =>
          session.transport === 'bosh' ? acc : [...acc, x('sm', NS_SM)],
        ),
        onHook('c2s-nonza', (acc, { stream, el }) => {
          if (el.ns !== NS_SM) return acc;
          switch (el.name) {
            case 'enable':
              service.enable(stream, el);
              return new Stop();
            case 'resume':
              service.resume(stream, el);
              return new Stop();
            case 'r':
            case 'a':
              // Acks belong to a stream with stream management enabled.
              stream.sendNonza(failed('unexpected-request'));
              return new Stop();
            default:
              return acc;
          }
        }),
      ],
      stop: () => service.stop(),
    };
  },
});
