#!/bin/sh
# Regenerates the TLS fixtures of the redirect service and client certificate
# tests, beside those of make-certs.sh (which it leaves alone):
# - client-ca.pem: a second private CA, the one test servers accept client
#   certificates from;
# - client.pem, client.key: a client certificate (the phone's identity,
#   CN=00095200000E, clientAuth) signed by it;
# - other-server.pem, other-server.key: a server certificate for 127.0.0.1
#   signed by a third CA that nothing trusts (its certificate and key are
#   thrown away).
# All valid from 2000 to 2100, so that a machine's clock being off does not
# matter. The CA keys are thrown away: nothing else is ever to be signed.
set -eu
cd "$(dirname "$0")"
. ./ca-lib.sh

make_ca client-ca "provisiond test client CA" client-ca.pem
sign client-ca client-ca.pem 00095200000E client_ext client

make_ca other-ca "provisiond test other CA" "$work/other-ca.pem"
sign other-ca "$work/other-ca.pem" 127.0.0.1 server_ext other-server
