"""Uploads one file with slixmpp's XEP-0363 plugin and sends its URL to a recipient.

usage: slixmpp-upload.py JID PASSWORD HOST PORT FILE RECIPIENT
Prints the GET URL on success (exit 0); prints the error on stderr otherwise (exit 1).
The XMPP stream does not check the server certificate; the HTTPS PUT (aiohttp) trusts what
SSL_CERT_FILE names.
"""
import asyncio
import ssl
import sys

from slixmpp import ClientXMPP
from slixmpp.exceptions import IqError


class Uploader(ClientXMPP):
    def __init__(self, jid, password, path, recipient):
        # SCRAM-PLUS fails until channel binding lands: PLAIN over STARTTLS.
        super().__init__(jid, password, sasl_mech='PLAIN')
        self.path = path
        self.recipient = recipient
        self.url = None
        self.error = None
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        for plugin in ('xep_0030', 'xep_0066', 'xep_0363'):
            self.register_plugin(plugin)
        self.add_event_handler('session_start', self.start)
        self.add_event_handler('failed_auth', self.failed)

    def failed(self, _event):
        self.error = 'authentication failed'
        self.disconnect()

    async def discover(self):
        # slixmpp 1.8.3's own find_upload_service passes coroutines to asyncio.wait, which
        # Python 3.11 refuses: the same disco walk, done with the plugin's calls one by one.
        disco = self['xep_0030']
        items = await disco.get_items(jid=self.boundjid.domain, timeout=10)
        for item in items['disco_items']['items']:
            info = await disco.get_info(jid=item[0], timeout=10)
            if ('store', 'file') not in [(i[0], i[1]) for i in info['disco_info']['identities']]:
                continue
            upload = self['xep_0363']
            upload.upload_service = info['from']
            for form in info['disco_info'].iterables:
                values = form['values']
                if values['FORM_TYPE'] == ['urn:xmpp:http:upload:0']:
                    upload.max_file_size = int(values['max-file-size'])
            return
        raise RuntimeError('no upload service in disco#items')

    async def start(self, _event):
        try:
            await self.discover()
            url = await self['xep_0363'].upload_file(self.path, timeout=20)
            msg = self.make_message(mto=self.recipient, mbody=url, mtype='chat')
            msg['oob']['url'] = url
            msg.send()
            self.url = url
        except IqError as e:
            self.error = 'iq-error ' + e.iq['error']['condition']
        except Exception as e:  # reported to the test, which decides
            self.error = repr(e)
        self.disconnect()


def main():
    jid, password, host, port, path, recipient = sys.argv[1:7]
    xmpp = Uploader(jid, password, path, recipient)
    xmpp.connect((host, int(port)))
    xmpp.loop.run_until_complete(asyncio.wait_for(xmpp.disconnected, 60))
    if xmpp.url is None:
        print(xmpp.error or 'disconnected before uploading', file=sys.stderr)
        sys.exit(1)
    print(xmpp.url)


main()
