"""nbxmpp (python3-nbxmpp, Gajim's XMPP library) on a GLib main loop, default settings except
the certificate check.

Environment: JID PASSWORD HOST PORT MODE (starttls|tls) PEER BODY.
Prints ROSTER <jids>, TLS <version>, RECEIVED <body>; exits 0 after a clean disconnect.
"""
import os
import sys

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

from nbxmpp.client import Client  # noqa: E402
from nbxmpp.const import ConnectionProtocol, ConnectionType  # noqa: E402
from nbxmpp.protocol import JID, Message, Presence  # noqa: E402
from nbxmpp.structs import StanzaHandler  # noqa: E402

jid = JID.from_string(os.environ["JID"])
loop = GLib.MainLoop()
state = {"ok": False}

client = Client()
client.set_domain(jid.domain)
client.set_username(jid.localpart)
client.set_resource("nbxmpp")
client.set_password(os.environ["PASSWORD"])
# The test server is on a port of its own, not in DNS.
tls = os.environ["MODE"] == "tls"
client.set_custom_host(
    f"{os.environ['HOST']}:{os.environ['PORT']}",
    ConnectionProtocol.TCP,
    ConnectionType.DIRECT_TLS if tls else ConnectionType.START_TLS,
)
# The only change from the defaults: the test server's certificate is self-signed.
client.set_ignore_tls_errors(True)


def on_roster(task):
    data = task.finish()
    print("ROSTER " + " ".join(sorted(str(i.jid) for i in data.items or [])), flush=True)
    version = Gio.TlsProtocolVersion(client.tls_version).value_nick  # e.g. tls-1-3
    print("TLS TLSv" + version.removeprefix("tls-").replace("-", "."), flush=True)
    client.send_stanza(Presence())
    client.send_stanza(Message(to=os.environ["PEER"], body=os.environ["BODY"], typ="chat"))


def on_connected(_client, _signal):
    client.get_module("Roster").request_roster(callback=on_roster)


def on_message(_client, stanza, _properties):
    body = stanza.getBody()
    if body and not state["ok"]:
        print("RECEIVED " + body, flush=True)
        state["ok"] = True
        client.disconnect()


def on_failed(_client, signal):
    print("FAILED " + signal, flush=True)
    loop.quit()


client.subscribe("connected", on_connected)
client.subscribe("disconnected", lambda *_: loop.quit())
client.subscribe("connection-failed", on_failed)
client.register_handler(StanzaHandler(name="message", callback=on_message, typ="chat"))
client.connect()
GLib.timeout_add_seconds(60, loop.quit)
loop.run()
sys.exit(0 if state["ok"] else 1)
