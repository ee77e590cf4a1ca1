#!/bin/sh
# Installs the Debian packages riposte builds and tests with, when missing.
# Run as root to install; otherwise it names what is missing and stops.
set -eu

packages="cmake make gcc pkg-config libuv1-dev libcurl4-openssl-dev libcjson-dev libssl-dev
libsqlite3-dev libyaml-dev libxml2-dev libjq-dev libcmocka-dev node-llhttp python3 python3-pytest python3-yaml python3-cryptography
python3-botocore openssl curl"

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "riposte needs these Debian packages:$missing" >&2
    echo "install them with: sudo apt-get install$missing" >&2
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
