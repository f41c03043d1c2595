#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (idempotent; run as root).
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
# The Nginx stream proxy (TCP 5222 with proxy_protocol) is a separate module package.
ls /usr/lib/nginx/modules/ngx_stream_module.so >/dev/null 2>&1 || need+=(libnginx-mod-stream)
# coturn: a real TURN server for the XEP-0215 credential tests (the test starts its own).
command -v turnserver >/dev/null 2>&1 || need+=(coturn)
# XEP-0363 clients for the HTTP upload e2e tests (slixmpp's xep_0363 plugin needs aiohttp);
# slixmpp also for the cluster tests (test/clients/slixmpp-peer.py).
command -v go-sendxmpp >/dev/null 2>&1 || need+=(go-sendxmpp)
/usr/bin/python3 -c 'import slixmpp' >/dev/null 2>&1 || need+=(python3-slixmpp)
/usr/bin/python3 -c 'import aiohttp' >/dev/null 2>&1 || need+=(python3-aiohttp)
# aioxmpp: the channel-binding e2e test (test/e2e/channel-binding.test.ts).
/usr/bin/python3 -c 'import aioxmpp' >/dev/null 2>&1 || need+=(python3-aioxmpp)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # No daemon may start at install (coturn would take port 3478): policy-rc.d answers 101.
  own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
