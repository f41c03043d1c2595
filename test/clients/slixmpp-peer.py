#!/usr/bin/python3
"""A slixmpp (Debian python3-slixmpp 1.8.3) client driven by a test over stdin/stdout.

Usage: slixmpp-peer.py JID PASSWORD HOST PORT

It logs in, sends initial presence, answers XMPP Ping (XEP-0199) and Software Version
(XEP-0092) with slixmpp's own plugins, and prints one JSON line per event on stdout:
  {"event": "online", "jid": ...}
  {"event": "message", "from": ..., "to": ..., "type": ..., "id": ..., "body": ...}
  {"event": "presence", "from": ..., "to": ..., "type": ...}
  {"event": "iq", "from": ..., "to": ..., "type": ..., "id": ..., "payload": "{ns}name"}
  {"event": "error", "text": ...}
Only stanzas slixmpp itself recognises as jabber:client stanzas reach these handlers: a stanza
written with a wrong namespace is dropped by slixmpp, which is what the test must notice.
Each stdin line is a JSON command:
  {"message": {"to": ..., "body": ..., "type": "chat"}}   sent with send_message (xml:lang="en")
  {"raw": "<xml/>"}                                         sent as is
EOF or the line "quit" disconnects.
"""

import asyncio
import json
import logging
import ssl
import sys

from slixmpp import ClientXMPP
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath


def emit(**fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def main():
    jid, password, host, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # PLAIN inside STARTTLS: slixmpp 1.8.3's default SCRAM-SHA-1-PLUS login failed against
    # Meerkat (channel binding, a separate issue, covered by the real-client matrix), and these
    # cluster tests must not depend on it.
    xmpp = ClientXMPP(jid, password, sasl_mech="PLAIN")
    # The test node's certificate is self-signed for localhost: do not verify it.
    xmpp.ssl_context.check_hostname = False
    xmpp.ssl_context.verify_mode = ssl.CERT_NONE
    xmpp.register_plugin("xep_0030")
    xmpp.register_plugin("xep_0092", {"name": "slixmpp-peer", "version": "1.0"})
    xmpp.register_plugin("xep_0199")

    async def on_session_start(_event):
        xmpp.send_presence()
        await xmpp.get_roster()
        emit(event="online", jid=str(xmpp.boundjid))

    def on_message(msg):
        emit(
            event="message",
            **{"from": str(msg["from"])},
            to=str(msg["to"]),
            type=msg["type"],
            id=msg["id"],
            body=msg["body"],
        )

    def on_presence(pres):
        emit(
            event="presence",
            **{"from": str(pres["from"])},
            to=str(pres["to"]),
            type=pres["type"],
            status=pres["status"],
        )

    def on_iq(iq):
        payload = [child.tag for child in iq.xml]
        emit(
            event="iq",
            **{"from": str(iq["from"])},
            to=str(iq["to"]),
            type=iq["type"],
            id=iq["id"],
            payload=payload[0] if payload else "",
        )

    xmpp.add_event_handler("session_start", on_session_start)
    xmpp.add_event_handler("message", on_message)
    xmpp.add_event_handler("presence", on_presence)
    xmpp.add_event_handler("failed_auth", lambda _e: emit(event="error", text="failed_auth"))
    # Sees every jabber:client iq before the plugins answer it (the plugins' handlers still run).
    xmpp.register_handler(Callback("peer iq log", MatchXPath("{jabber:client}iq"), on_iq))

    loop = asyncio.get_event_loop()

    def on_stdin():
        line = sys.stdin.readline()
        if line == "" or line.strip() == "quit":
            loop.remove_reader(sys.stdin)
            xmpp.disconnect()
            return
        if not line.strip():
            return
        cmd = json.loads(line)
        if "message" in cmd:
            m = cmd["message"]
            xmpp.send_message(mto=m["to"], mbody=m["body"], mtype=m.get("type", "chat"))
        elif "raw" in cmd:
            xmpp.send_raw(cmd["raw"])

    loop.add_reader(sys.stdin, on_stdin)
    xmpp.add_event_handler("disconnected", lambda _e: loop.stop())
    xmpp.connect((host, port))
    loop.run_forever()


if __name__ == "__main__":
    main()
