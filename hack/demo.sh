#!/usr/bin/env bash
# Builds svcnet, brings up a 2-node lab cluster (network namespaces on this
# machine; needs root), deploys the seed tutorials' examples, and prints how
# to reach them. Running it again replaces the lab.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: the lab needs root (network namespaces, veths, nftables inside them)" >&2
  exit 1
fi
./hack/deps.sh >/dev/null
mkdir -p _output
go build -o _output/svcnet \
  -ldflags "-X k8s.io/component-base/version.gitVersion=v1.37.2-svcnet -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37" \
  ./cmd/svcnet
bin="$PWD/_output/svcnet"
name="${SVCNET_LAB_NAME:-svcnet}"

"$bin" lab down --name "$name" >/dev/null 2>&1 || true
"$bin" lab up --name "$name" --nodes 2
export KUBECONFIG
KUBECONFIG=$("$bin" lab kubeconfig --name "$name")
k() { "$bin" kubectl "$@"; }
for _ in $(seq 120); do
  [ "$(k get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" = 2 ] && break
  sleep 0.5
done

# Seed 000: a pod, exposed by a service made with kubectl expose.
k apply -f examples/seed-000/nginx-pod.yaml
k expose pod nginx-pod --port=80 --target-port=80 --dry-run=client -oyaml \
  | sed 's/name: nginx-pod/name: nginx-service/' | k apply -f -
# Seed 001: whoami and sleep, with ClusterIP, NodePort and LoadBalancer services.
k apply -f examples/seed-001/pods/ -f examples/seed-001/services/
# Seed 003: the example-12 Deployment behind my-service.
k apply -f examples/seed-003/k8s_example_12.yml -f examples/seed-003/service.yml
# Seed 004: hostname-service on NodePort 30163.
k apply -f examples/seed-004/
# A headless service.
k apply -f examples/headless/

for _ in $(seq 120); do
  k get pods --no-headers 2>/dev/null | grep -qv ' Running ' || break
  sleep 0.5
done
echo
k get pods -o wide
echo
k get svc -o wide
nginx=$(k get svc nginx-service -o jsonpath='{.spec.clusterIP}')
cat <<MSG

The lab "$name" runs 2 nodes (192.0.2.11, 192.0.2.12) and an outside client (198.51.100.2),
all network namespaces on this machine, with no route to anything else.

  export KUBECONFIG=$KUBECONFIG
  $bin kubectl get svc,endpointslices
  $bin lab exec node2 -- curl -s http://$nginx                       # seed 000: ClusterIP
  $bin kubectl exec sleep -- nslookup whoami                        # seed 001: cluster DNS
  $bin kubectl exec sleep -- curl -s http://whoami                   # seed 001: by name
  $bin lab exec outside -- curl -s http://192.0.2.12:30010            # seed 001: NodePort
  $bin lab exec outside -- curl -s http://192.0.2.11:30163            # seed 004

Take it down with: $bin lab down --name $name
MSG
