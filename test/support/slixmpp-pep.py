"""Two slixmpp clients exercise PEP (XEP-0163) with their xep_0060/0084/0115/0163/0172 plugins.

usage: slixmpp-pep.py HOST PORT WATCHER_JID PUBLISHER_JID PASSWORD
The watcher logs in first with entity caps (+notify for avatar metadata and nick, from its
plugins) and waits; the publisher publishes an avatar (data, then metadata) and a nick; the
watcher reports the notifications it got and the avatar data it then retrieved. Prints one JSON
object; exit 1 with the error on stderr otherwise. The stream does not check the certificate.
"""
import asyncio
import base64
import json
import ssl
import sys

from slixmpp import ClientXMPP

PLUGINS = ('xep_0030', 'xep_0004', 'xep_0060', 'xep_0115', 'xep_0163', 'xep_0084', 'xep_0172', 'xep_0199')
AVATAR = b'\x89PNG\r\n\x1a\n' + bytes(range(256)) * 4


class Client(ClientXMPP):
    def __init__(self, jid, password):
        # PLAIN over STARTTLS: the test certificate is self-signed.
        super().__init__(jid, password, sasl_mech='PLAIN')
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        for plugin in PLUGINS:
            self.register_plugin(plugin)
        self.started = asyncio.Event()
        self.metadata = asyncio.Queue()
        self.nicks = asyncio.Queue()
        self.add_event_handler('session_start', self.on_start)
        self.add_event_handler('failed_auth', lambda _e: self.fail('authentication failed'))
        self.add_event_handler('avatar_metadata_publish', lambda m: self.metadata.put_nowait(m))
        self.add_event_handler('user_nick_publish', lambda m: self.nicks.put_nowait(m))
        self.error = None

    def fail(self, why):
        self.error = why
        self.started.set()

    async def on_start(self, _event):
        # Caps first (they hold the +notify features the plugins registered), then presence.
        await self['xep_0115'].update_caps(broadcast=False)
        self.send_presence()
        # A round trip: the server has handled that presence (one ordered queue per session).
        await self['xep_0199'].ping(self.boundjid.domain, timeout=10)
        self.started.set()


async def online(jid, password, host, port):
    c = Client(jid, password)
    c.connect((host, port))
    await asyncio.wait_for(c.started.wait(), 30)
    if c.error:
        raise RuntimeError(c.error)
    return c


async def run(host, port, watcher_jid, publisher_jid, password):
    watcher = await online(watcher_jid, password, host, port)
    publisher = await online(publisher_jid, password, host, port)
    data_id = publisher['xep_0084'].generate_id(AVATAR)
    await publisher['xep_0084'].publish_avatar(AVATAR, timeout=10)
    await publisher['xep_0084'].publish_avatar_metadata(
        [{'id': data_id, 'type': 'image/png', 'bytes': str(len(AVATAR)), 'width': '32', 'height': '32'}],
        timeout=10,
    )
    await publisher['xep_0172'].publish_nick('Alice in PEP', timeout=10)
    meta = await asyncio.wait_for(watcher.metadata.get(), 15)
    info = meta['pubsub_event']['items']['item']['avatar_metadata']['info']
    nick = await asyncio.wait_for(watcher.nicks.get(), 15)
    got = await watcher['xep_0084'].retrieve_avatar(publisher.boundjid.bare, info['id'], timeout=10)
    value = got['pubsub']['items']['item']['avatar_data']['value']
    out = {
        'metadata_from': str(meta['from']),
        'metadata_id': info['id'],
        'metadata_bytes': int(info['bytes']),
        'expected_id': data_id,
        'nick': nick['pubsub_event']['items']['item']['nick']['nick'],
        'avatar_equal': value == AVATAR,
        'avatar_b64_len': len(base64.b64encode(value)),
    }
    for c in (watcher, publisher):
        c.disconnect()
    return out


def main():
    host, port, watcher, publisher, password = sys.argv[1:6]
    loop = asyncio.get_event_loop()
    try:
        out = loop.run_until_complete(asyncio.wait_for(run(host, int(port), watcher, publisher, password), 90))
    except Exception as e:  # reported to the test, which decides
        print(type(e).__name__, str(e)[:2000], file=sys.stderr)
        sys.exit(1)
    print(json.dumps(out))


main()
