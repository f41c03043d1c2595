"""Logs in with stock slixmpp (default settings but the certificate check) and reports SASL.

usage: slixmpp-cb-login.py JID PASSWORD HOST PORT starttls|tls TLSv1_2|TLSv1_3
Prints one line per SASL attempt, "FAILED <mechanism> <gs2-header> <condition> <text>" or
"SUCCESS <mechanism> <gs2-header>", then "TLS <version>" and "BOUND <jid>"; exit 0 when bound.
The TLS version is pinned on the client's own ssl context (minimum = maximum).
"""
import ssl
import sys

import slixmpp

jid, password, host, port, mode, version = sys.argv[1:7]


class Client(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__(jid, password)
        # The only change from the defaults: the test server's certificate is self-signed.
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        pinned = getattr(ssl.TLSVersion, version)
        self.ssl_context.minimum_version = pinned
        self.ssl_context.maximum_version = pinned
        self.bound = False
        self.add_event_handler("failed_auth", self.failed)
        self.add_event_handler("auth_success", self.succeeded)
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("disconnected", lambda _: self.loop.stop())

    def mech(self):
        m = self["feature_mechanisms"].mech
        return m.name + " " + getattr(m, "gs2_header", b"-").decode()

    def failed(self, stanza):
        print("FAILED", self.mech(), stanza["condition"], stanza["text"] or "-", flush=True)

    def succeeded(self, _stanza):
        print("SUCCESS", self.mech(), flush=True)

    async def start(self, _event):
        ssl_object = self.transport.get_extra_info("ssl_object")
        print("TLS", ssl_object.version() if ssl_object else "none", flush=True)
        print("BOUND", self.boundjid.full, flush=True)
        self.bound = True
        self.disconnect()


client = Client()
client.connect((host, int(port)), use_ssl=mode == "tls")
client.loop.call_later(20, client.loop.stop)
client.loop.run_forever()
sys.exit(0 if client.bound else 1)
