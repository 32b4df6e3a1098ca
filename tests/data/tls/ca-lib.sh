# Shared by make-certs.sh and make-client-certs.sh (sourced, not run): a
# scratch directory $work (removed on exit) holding a throw-away CA database
# and its configuration, and the two steps every fixture is made of:
# make_ca (a self-signed CA) and sign (a certificate and key signed by one).
# All certificates are valid from 2000 to 2100, so that a machine's clock
# being off does not matter.
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
