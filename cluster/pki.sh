# shellcheck shell=bash
# Certificates, keys and kubeconfigs of cluster/apiserver-only.sh (sourced by it).
# Everything lives in $PKI (inside its state dir) and is created once per start:
# a start on an existing state reuses it, `stop` deletes it.

_openssl_ca() { # CN : the CA that _openssl_sign signs with, made once
  [ -f "$PKI/ca.crt" ] && return 0
  openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=$1" -days 365 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/ca.crt" 2>/dev/null
}

_service_account_key() { # the key pair that signs and verifies service-account tokens, made once
  [ -f "$PKI/sa.key" ] && return 0
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  chmod 0600 "$PKI/sa.key"
}

_openssl_sign() { # NAME SUBJ [SAN] : key+csr, signed by the cluster CA
  local name=$1 subj=$2 san=${3:-} ext
  [ -f "$PKI/$name.crt" ] && return 0
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  ext=$PKI/$name.ext
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$san" ]; then echo "extendedKeyUsage=serverAuth,clientAuth"; echo "subjectAltName=$san"
    else echo "extendedKeyUsage=clientAuth"; fi
  } >"$ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
  chmod 0600 "$PKI/$name.key"
}

_kubeconfig() { # FILE CERT_NAME SERVER
  local file=$1 name=$2 server=$3
  [ -f "$file" ] && return 0
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: refarch
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 <"$PKI/$name.crt")
    client-key-data: $(base64 -w0 <"$PKI/$name.key")
contexts:
- name: refarch
  context:
    cluster: refarch
    user: $name
current-context: refarch
EOF
  chmod 0600 "$file"
}
