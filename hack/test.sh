#!/usr/bin/env bash
# The whole test suite: unit, integration (real API server on embedded
# etcd) and end-to-end tests (real kubectl clients; network-namespace labs,
# which need root). It installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
eval "$(./hack/deps.sh)"
go vet ./...
go test -count=1 -timeout 60m ./...
