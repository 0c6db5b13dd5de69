#!/usr/bin/env bash
# Logs on to a real MIT Kerberos KDC with the certificates `whfb-sim pki export
# --with-keys` writes (PKINIT), and checks that the KDC refuses, each for its own reason,
# a revoked certificate, one from another CA, another user's, and one without the Smart
# Card Logon EKU.
#
#   contrib/kdc/test-kdc.sh [path/to/whfb-sim]     (default: target/debug/whfb-sim)
#
# Installs Debian's krb5-kdc, krb5-admin-server, krb5-pkinit and krb5-user when missing
# (as root, or through sudo; the packages start no service). Everything else runs as the
# calling user in a temporary folder: the export, kdc.conf and krb5.conf (named by
# KRB5_KDC_PROFILE and KRB5_CONFIG, so nothing under /etc is read or changed), the KDC
# database, the ticket caches, and a krb5kdc listening on 127.0.0.1 only, on a free port.
# The KDC is stopped by its PID however the script ends, so it can run again at once.
# The whole run is held to WHFB_SIM_KDC_BUDGET seconds (default 120, the install
# included). WHFB_SIM_KDC_USERS users are exported (default 4), once for each key type
# of WHFB_SIM_KDC_CLIENT_KEYS (default "rsa-2048 ecdsa-p256"), each with its own KDC.
#
# The KDC is configured as the MIT documentation describes PKINIT for a realm whose
# client certificates carry a Microsoft UPN (https://web.mit.edu/kerberos/krb5-latest/
# doc/admin/pkinit.html): the exported CA as anchor, `pkinit_eku_checking = scLogin`,
# `pkinit_allow_upn = true`, the exported CRL with `pkinit_require_crl_checking`. Users
# log on by their UPN as an enterprise name (`kinit -E`, RFC 6806).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(realpath "${1:-$ROOT/target/debug/whfb-sim}")
BUDGET=${WHFB_SIM_KDC_BUDGET:-120}
USERS=${WHFB_SIM_KDC_USERS:-4}
REALM=CONTOSO.COM
UPN_SUFFIX=contoso.com
CLIENT_KEYS=${WHFB_SIM_KDC_CLIENT_KEYS:-rsa-2048 ecdsa-p256}
PACKAGES=(krb5-kdc krb5-admin-server krb5-pkinit krb5-user)
export PATH=$PATH:/usr/sbin:/sbin

if [ -z "${WHFB_SIM_KDC_TIMED:-}" ]; then
  export WHFB_SIM_KDC_TIMED=1
  exec timeout --kill-after=15 "$BUDGET" "$0" "$BIN"
fi
[ -x "$BIN" ] || { echo "test-kdc: no binary at $BIN (cargo build --locked first)" >&2; exit 1; }
case $USERS in
  '' | *[!0-9]*) echo "test-kdc: WHFB_SIM_KDC_USERS=$USERS is not a number of users" >&2; exit 2 ;;
esac
[ "$USERS" -ge 2 ] || { echo "test-kdc: WHFB_SIM_KDC_USERS must be at least 2 (one logs on with another's certificate)" >&2; exit 2; }

say() { echo "test-kdc: $*"; }

# --- packages ---------------------------------------------------------------------
installed() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || return 1
  done
}
install_packages() {
  # Keep the packages from starting their services: this script starts its own KDC.
  local policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    trap 'rm -f "$policy"' EXIT
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if ! installed; then
  say "installing ${PACKAGES[*]}"
  started=$(date +%s)
  if [ "$(id -u)" = 0 ]; then
    (install_packages "${PACKAGES[@]}")
  elif command -v sudo >/dev/null 2>&1; then
    sudo bash -c "$(declare -f install_packages); install_packages ${PACKAGES[*]}"
  else
    say "the packages ${PACKAGES[*]} are missing and installing them needs root or sudo"
    exit 1
  fi
  installed || { say "the packages did not install"; exit 1; }
  say "installed in $(($(date +%s) - started)) s"
fi
START=$(date +%s.%N)

# --- a realm in a temporary folder --------------------------------------------------
T=$(mktemp -d /tmp/whfb-kdc.XXXXXX)
W=$T
KDC_PID=""
cleanup() {
  local rc=$?
  if [ -n "$KDC_PID" ]; then
    kill "$KDC_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$KDC_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$KDC_PID" 2>/dev/null || true
  fi
  if [ "$rc" != 0 ]; then
    say "FAILED (exit $rc); KDC log:"
    [ -f "$W/kdc.log" ] && tail -n 30 "$W/kdc.log"
  fi
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 124' TERM INT

free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}

# kinit as UPN $1 with certificate $2 and key $3 (more kinit options after them): its
# output in $OUT, its ticket cache $CC (a fresh one each time).
logon() {
  local upn=$1 cert=$2 key=$3
  shift 3
  LOGONS=$((LOGONS + 1))
  CC=$W/cc.$LOGONS
  OUT=$(KRB5CCNAME=FILE:$CC kinit -E -X "X509_user_identity=FILE:$cert,$key" "$@" "$upn" </dev/null 2>&1)
}

# refused LABEL UPN CERT KEY KINIT-SAYS KDC-LOGS [kinit options]: kinit gets no ticket
# and says KINIT-SAYS, and the KDC's log gives KDC-LOGS as its reason.
refused() {
  local label=$1 upn=$2 cert=$3 key=$4 want=$5 why=$6 before log
  shift 6
  before=$(wc -l <"$W/kdc.log")
  if logon "$upn" "$cert" "$key" "$@"; then
    say "$label: the KDC issued a TGT"
    exit 1
  fi
  [ ! -s "$CC" ] || { say "$label: a ticket cache was written"; exit 1; }
  grep -qF "$want" <<<"$OUT" || { say "$label: kinit did not say \"$want\": $OUT"; exit 1; }
  log=$(tail -n +"$((before + 1))" "$W/kdc.log")
  grep -qF "$why" <<<"$log" || { say "$label: the KDC's log does not say \"$why\":"; echo "$log"; exit 1; }
  say "refused, $label: $OUT"
  say "    KDC log: $(grep -F "$why" <<<"$log" | head -n 1 | sed 's/^.*krb5kdc\[[0-9]*\]([a-z]*): //')"
  REFUSED=$((REFUSED + 1))
}

# realm_check ALG: exports the users with ALG keys, starts a KDC for them in $W, logs
# every user on, checks the four refusals, and stops the KDC.
realm_check() {
  local alg=$1 u upn list port
  W=$T/$alg
  P=$W/pki
  mkdir "$W"
  # Issued now by the simulator's own RA and CA; its DC accepted every user, and refused
  # the revoked one as revoked, before anything was written.
  WHFB_SIM_KEY_CACHE=$W/keys "$BIN" pki export --users "$USERS" --out "$P" --with-keys \
    --set pki.client_key="$alg" --set pki.realm="$REALM" --quiet >"$W/export.out"
  local revoked=$USERS
  say "$alg: exported $USERS users with --with-keys (realm $REALM; revoked: user$revoked, serial $((revoked + 1)) on crl.pem)"

  # The two certificates the simulator's CA never issues, made with openssl on user0's
  # own request (so user0's key, subject and UPN): one from a throwaway CA with the same
  # name and the same EKUs, one from the exported CA (its key is a --with-keys test
  # artifact) with client authentication but no Smart Card Logon.
  printf '%s\n' \
    '[whfb]' \
    'basicConstraints = CA:FALSE' \
    'keyUsage = critical, digitalSignature' \
    'extendedKeyUsage = 1.3.6.1.4.1.311.20.2.2, clientAuth' \
    "subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user0@$UPN_SUFFIX" \
    '[no_sclogon]' \
    'basicConstraints = CA:FALSE' \
    'keyUsage = critical, digitalSignature' \
    'extendedKeyUsage = clientAuth' \
    "subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user0@$UPN_SUFFIX" >"$W/ext.cnf"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/other-ca-key.pem" -out "$W/other-ca.pem" \
    -subj "/CN=Contoso Issuing CA" -days 2 2>/dev/null
  openssl x509 -req -in "$P/user0/request.csr.pem" -CA "$W/other-ca.pem" -CAkey "$W/other-ca-key.pem" \
    -days 1 -extfile "$W/ext.cnf" -extensions whfb -out "$W/other-ca-user0.pem" 2>/dev/null
  openssl x509 -req -in "$P/user0/request.csr.pem" -CA "$P/ca.pem" -CAkey "$P/ca-key.pem" \
    -days 1 -extfile "$W/ext.cnf" -extensions no_sclogon -out "$W/no-sclogon-user0.pem" 2>/dev/null
  openssl verify -CAfile "$P/ca.pem" "$W/no-sclogon-user0.pem" >/dev/null

  port=$(free_port)
  export KRB5_KDC_PROFILE=$W/kdc.conf KRB5_CONFIG=$W/krb5.conf
  printf '%s\n' \
    '[kdcdefaults]' \
    " kdc_listen = 127.0.0.1:$port" \
    " kdc_tcp_listen = 127.0.0.1:$port" \
    '[realms]' \
    " $REALM = {" \
    "  database_name = $W/principal" \
    "  key_stash_file = $W/stash" \
    "  acl_file = $W/kadm5.acl" \
    "  pkinit_identity = FILE:$P/kdc.pem,$P/kdc-key.pem" \
    "  pkinit_anchors = FILE:$P/ca.pem" \
    "  pkinit_revoke = FILE:$P/crl.pem" \
    '  pkinit_require_crl_checking = true' \
    '  pkinit_eku_checking = scLogin' \
    '  pkinit_allow_upn = true' \
    ' }' \
    '[logging]' \
    " kdc = FILE:$W/kdc.log" >"$KRB5_KDC_PROFILE"
  printf '%s\n' \
    '[libdefaults]' \
    " default_realm = $REALM" \
    ' dns_lookup_kdc = false' \
    ' dns_lookup_realm = false' \
    ' udp_preference_limit = 1' \
    '[realms]' \
    " $REALM = {" \
    "  kdc = 127.0.0.1:$port" \
    "  pkinit_anchors = FILE:$P/ca.pem" \
    ' }' >"$KRB5_CONFIG"
  kdb5_util create -s -r "$REALM" -P "$(head -c 24 /dev/urandom | base64)" >"$W/kdb5_util.out" 2>&1
  for u in $(seq 0 "$revoked"); do
    # An enterprise principal named by the UPN, with no key: PKINIT is its only way in.
    kadmin.local -r "$REALM" -q "addprinc +requires_preauth -nokey user$u\\@$UPN_SUFFIX" >>"$W/kadmin.out" 2>&1
  done
  krb5kdc -n -r "$REALM" >>"$W/kdc.out" 2>&1 &
  KDC_PID=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$KDC_PID" 2>/dev/null || { say "krb5kdc exited"; cat "$W/kdc.out"; exit 1; }
    sleep 0.1
  done
  say "$alg: KDC up on 127.0.0.1:$port (pid $KDC_PID, MIT krb5 $(dpkg-query -W -f='${Version}' krb5-kdc))"

  # Every exported user gets a TGT.
  for u in $(seq 0 $((USERS - 1))); do
    upn=user$u@$UPN_SUFFIX
    logon "$upn" "$P/user$u/cert.pem" "$P/user$u/key.pem" || { say "no TGT for $upn: $OUT"; exit 1; }
    list=$(KRB5CCNAME=FILE:$CC klist)
    KRB5CCNAME=FILE:$CC klist -s &&
      grep -qF "Default principal: user$u\\@$UPN_SUFFIX@$REALM" <<<"$list" &&
      grep -qF "krbtgt/$REALM@$REALM" <<<"$list" || { say "klist for $upn:"; echo "$list"; exit 1; }
    say "TGT for $upn ($(grep -F "krbtgt/$REALM@$REALM" <<<"$list" | awk '{print $5 ", valid " $1 " " $2 " to " $3 " " $4}'))"
    TGTS=$((TGTS + 1))
  done

  # Refused, each for the KDC's own reason. The foreign CA is given to kinit as one more
  # anchor, or kinit itself would refuse to send a certificate it cannot chain.
  refused "revoked certificate (user$revoked@$UPN_SUFFIX, serial $((revoked + 1)) on crl.pem)" \
    "user$revoked@$UPN_SUFFIX" "$P/revoked/cert.pem" "$P/revoked/key.pem" \
    "Revoked certificate" "verify failure: Failed to verify received certificate (depth 0): certificate revoked"
  refused "another CA's certificate (user0's key and UPN)" \
    "user0@$UPN_SUFFIX" "$W/other-ca-user0.pem" "$P/user0/key.pem" \
    "Can't verify certificate" "verify failure: Failed to verify received certificate (depth 0): unable to get local issuer certificate" \
    -X "X509_anchors=FILE:$W/other-ca.pem"
  refused "user1's certificate for user0@$UPN_SUFFIX" \
    "user0@$UPN_SUFFIX" "$P/user1/cert.pem" "$P/user1/key.pem" \
    "Client name mismatch" "verify failure: Client name mismatch"
  refused "no Smart Card Logon EKU (same CA, user0's key and UPN)" \
    "user0@$UPN_SUFFIX" "$W/no-sclogon-user0.pem" "$P/user0/key.pem" \
    "Inconsistent key purpose" "verify failure: Inconsistent key purpose"

  kill "$KDC_PID"
  wait "$KDC_PID" 2>/dev/null || true
  KDC_PID=""
}

TGTS=0
REFUSED=0
LOGONS=0
for alg in $CLIENT_KEYS; do
  realm_check "$alg"
done
ELAPSED=$(awk -v s="$START" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
say "passed: $TGTS TGTs ($USERS users for each of: $CLIENT_KEYS), $REFUSED refusals, each for the KDC's own reason, in $ELAPSED s after the install"
