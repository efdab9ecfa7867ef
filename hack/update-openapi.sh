#!/usr/bin/env bash
# Regenerates pkg/generated/openapi/zz_generated.openapi.go: the OpenAPI
# definitions of every API type svcnet serves, produced by kube-openapi's
# openapi-gen at exactly the kube-openapi version go.mod pins (the one
# k8s.io/api pins). Run from anywhere; the output is deterministic.
set -o errexit
set -o nounset
set -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"

# The generator version is read from go.mod so that it can never drift from
# the kube-openapi library the server links against.
KUBE_OPENAPI_VERSION="$(go list -m -f '{{.Version}}' k8s.io/kube-openapi)"

INPUT_PKGS=(
  k8s.io/api/core/v1
  k8s.io/api/apps/v1
  k8s.io/api/autoscaling/v1
  k8s.io/api/discovery/v1
  k8s.io/api/coordination/v1
  k8s.io/api/events/v1
  k8s.io/api/networking/v1
  k8s.io/apimachinery/pkg/apis/meta/v1
  k8s.io/apimachinery/pkg/runtime
  k8s.io/apimachinery/pkg/util/intstr
  k8s.io/apimachinery/pkg/api/resource
  k8s.io/apimachinery/pkg/version
)

OUT_DIR="pkg/generated/openapi"
# openapi-gen lists API-convention violations (the same ones Kubernetes keeps
# in its exception list); they are known upstream and not ours to fix.
REPORT="$(mktemp)"
trap 'rm -f "${REPORT}"' EXIT

go run "k8s.io/kube-openapi/cmd/openapi-gen@${KUBE_OPENAPI_VERSION}" \
  --go-header-file "hack/boilerplate.go.txt" \
  --output-dir "${OUT_DIR}" \
  --output-pkg "github.com/svcnet/svcnet/${OUT_DIR}" \
  --output-file "zz_generated.openapi.go" \
  --report-filename "${REPORT}" \
  "${INPUT_PKGS[@]}"

gofmt -l "${OUT_DIR}" | (! grep .) || { echo "generated code is not gofmt-clean" >&2; exit 1; }
echo "wrote ${OUT_DIR}/zz_generated.openapi.go ($(wc -l <"${OUT_DIR}/zz_generated.openapi.go") lines)"
