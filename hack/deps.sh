#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for building and testing svcnet:
# Go is expected at /usr/local/go (or on PATH); system packages come from
# Debian. Safe to run again: it installs only what is missing.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have ip || need+=(iproute2)
have nft || need+=(nftables)
have ping || need+=(iputils-ping)
have etcd || need+=(etcd-server)
have curl || need+=(curl)
have dig || need+=(dnsutils)
have socat || need+=(socat)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing ${need[*]}; run as root to install them" >&2
  else
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

# kubectl 1.20 from Debian's kubernetes-client, unpacked beside the tree
# (its install would conflict with a newer kubectl on the machine).
KUBECTL_120_DIR="${KUBECTL_120_DIR:-/var/cache/svcnet/kubectl-1.20}"
if [ ! -x "$KUBECTL_120_DIR/usr/bin/kubectl" ] && [ "$(id -u)" -eq 0 ]; then
  tmp=$(mktemp -d)
  if (cd "$tmp" && apt-get download kubernetes-client >/dev/null 2>&1); then
    mkdir -p "$KUBECTL_120_DIR"
    dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$KUBECTL_120_DIR"
  else
    echo "deps: could not download Debian's kubernetes-client; the kubectl 1.20 test will skip" >&2
  fi
  rm -rf "$tmp"
fi
if [ -x "$KUBECTL_120_DIR/usr/bin/kubectl" ]; then
  echo "export SVCNET_KUBECTL_120=$KUBECTL_120_DIR/usr/bin/kubectl"
fi
