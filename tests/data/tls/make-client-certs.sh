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
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
CONF

newkey="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
make_ca() { # name, common name, certificate file
        openssl req -new $newkey -keyout "$work/$1.key" -out "$work/$1.csr" -subj "/CN=$2"
        openssl ca -batch -notext -config "$work/ca.conf" -selfsign -keyfile "$work/$1.key" \
                -in "$work/$1.csr" -out "$3" -extensions ca_ext $validity
}
sign() { # CA name, CA certificate, subject, extensions, output name
        openssl req -new $newkey -keyout "$5.key" -out "$work/$5.csr" -subj "/CN=$3"
        openssl ca -batch -notext -config "$work/ca.conf" -cert "$2" -keyfile "$work/$1.key" \
                -in "$work/$5.csr" -out "$5.pem" -extensions "$4" $validity
}

make_ca client-ca "provisiond test client CA" client-ca.pem
sign client-ca client-ca.pem 00095200000E client_ext client

make_ca other-ca "provisiond test other CA" "$work/other-ca.pem"
sign other-ca "$work/other-ca.pem" 127.0.0.1 server_ext other-server
