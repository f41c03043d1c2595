"""aioxmpp (python3-aioxmpp), default settings except the certificate check.

Environment: JID PASSWORD HOST PORT MODE (starttls|tls) PEER BODY.
Prints ROSTER <jids>, RECEIVED <body>; exits 0 after a clean disconnect.
(aioxmpp keeps its TLS transport private: no TLS line.)
"""
import asyncio
import os
import sys

import aioxmpp
import aioxmpp.connector
import aioxmpp.dispatcher
import aioxmpp.roster


async def main():
    jid = aioxmpp.JID.fromstr(os.environ["JID"])
    peer = aioxmpp.JID.fromstr(os.environ["PEER"])
    connector = (
        aioxmpp.connector.XMPPOverTLSConnector()
        if os.environ["MODE"] == "tls"
        else aioxmpp.connector.STARTTLSConnector()
    )
    client = aioxmpp.PresenceManagedClient(
        jid,
        # The only change from the defaults: the test server's certificate is self-signed.
        aioxmpp.make_security_layer(os.environ["PASSWORD"], no_verify=True),
        # The test server is on a port of its own, not in DNS.
        override_peer=[(os.environ["HOST"], int(os.environ["PORT"]), connector)],
    )
    roster = client.summon(aioxmpp.roster.RosterClient)
    roster_done = asyncio.Event()
    roster.on_initial_roster_received.connect(lambda: roster_done.set())
    received = asyncio.get_running_loop().create_future()

    def on_message(msg):
        if msg.body and not received.done():
            received.set_result(msg.body.any())

    dispatcher = client.summon(aioxmpp.dispatcher.SimpleMessageDispatcher)
    dispatcher.register_callback(aioxmpp.MessageType.CHAT, None, on_message)

    # PresenceManagedClient.connected() sends available presence once the stream is up.
    async with client.connected() as _stream:
        await asyncio.wait_for(roster_done.wait(), 30)
        print("ROSTER " + " ".join(sorted(str(j) for j in roster.items)), flush=True)
        msg = aioxmpp.Message(to=peer, type_=aioxmpp.MessageType.CHAT)
        msg.body[None] = os.environ["BODY"]
        await client.send(msg)
        body = await asyncio.wait_for(received, 30)
        print("RECEIVED " + body, flush=True)


asyncio.run(main())
sys.exit(0)
