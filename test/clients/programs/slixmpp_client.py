"""slixmpp (python3-slixmpp), default settings except the certificate check.

Environment: JID PASSWORD HOST PORT MODE (starttls|tls) PEER BODY.
Prints ROSTER <jids>, TLS <version>, RECEIVED <body>; exits 0 after a clean disconnect.
"""
import asyncio
import os
import ssl
import sys

import slixmpp


class Client(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__(os.environ["JID"], os.environ["PASSWORD"])
        # The only change from the defaults: the test server's certificate is self-signed.
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.ok = False
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("message", self.message)
        self.add_event_handler("failed_auth", lambda _: print("AUTH FAILED", flush=True))

    async def start(self, _event):
        await self.get_roster()
        print("ROSTER " + " ".join(sorted(str(j) for j in self.client_roster)), flush=True)
        ssl_object = self.transport.get_extra_info("ssl_object")
        print("TLS " + (ssl_object.version() if ssl_object else "none"), flush=True)
        self.send_presence()
        self.send_message(mto=os.environ["PEER"], mbody=os.environ["BODY"], mtype="chat")

    def message(self, msg):
        if msg["type"] in ("chat", "normal") and msg["body"]:
            print("RECEIVED " + msg["body"], flush=True)
            self.ok = True
            self.disconnect()


client = Client()
client.connect((os.environ["HOST"], int(os.environ["PORT"])), use_ssl=os.environ["MODE"] == "tls")

client.process(forever=False)
sys.exit(0 if client.ok else 1)
