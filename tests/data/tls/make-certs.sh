#!/bin/sh
# Regenerates the TLS fixtures of tests/unit/test-fetch.c: a private CA and a
# server certificate for 127.0.0.1 signed by it, valid from 2000 to 2100 (so
# that a machine's clock being off does not matter). The CA key is thrown
# away: nothing else is ever to be signed with it.
set -eu
cd "$(dirname "$0")"
. ./ca-lib.sh

make_ca ca "provisiond test CA" ca.pem
sign ca ca.pem 127.0.0.1 server_ext server
