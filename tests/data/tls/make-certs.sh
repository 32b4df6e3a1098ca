#!/bin/sh
# Regenerates the TLS fixtures of tests/unit/test-fetch.c: a private CA and a
# server certificate for 127.0.0.1 signed by it, valid from 2000 to 2100 (so
# that a machine's clock being off does not matter). The CA key is thrown
# away: nothing else is ever to be signed with it.
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
validity="-startdate 20000101000000Z -enddate 21000101000000Z"

touch "$work/index.txt"
cat > "$work/ca.conf" <<CONF
[ca]
default_ca = test_ca
[test_ca]
database = $work/index.txt
new_certs_dir = $work
rand_serial = yes
default_md = sha256
policy = policy_any
unique_subject = no
[policy_any]
commonName = supplied
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
subjectAltName = IP:127.0.0.1
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
CONF

newkey="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -new $newkey -keyout "$work/ca.key" -out "$work/ca.csr" -subj "/CN=provisiond test CA"
openssl ca -batch -notext -config "$work/ca.conf" -selfsign -keyfile "$work/ca.key" -in "$work/ca.csr" \
        -out ca.pem -extensions ca_ext $validity

openssl req -new $newkey -keyout server.key -out "$work/server.csr" -subj "/CN=127.0.0.1"
openssl ca -batch -notext -config "$work/ca.conf" -cert ca.pem -keyfile "$work/ca.key" -in "$work/server.csr" \
        -out server.pem -extensions server_ext $validity
