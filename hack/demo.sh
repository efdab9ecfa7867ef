#!/usr/bin/env bash
# Builds svcnet, starts a control plane with the seed examples applied, and
# prints how to reach it. Running it again restarts the demo server.
#
# Today this is the control plane alone (API server, etcd, controllers):
# Services get their ClusterIPs and NodePorts and Deployments their
# ReplicaSets, but pods do not run yet. `svcnet lab up` (a multi-node
# cluster in network namespaces, with the node agent, proxy and DNS) will
# replace it as each part lands.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
./hack/deps.sh >/dev/null
mkdir -p _output
go build -o _output/svcnet \
  -ldflags "-X k8s.io/component-base/version.gitVersion=v1.37.2-svcnet -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37" \
  ./cmd/svcnet
bin="$PWD/_output/svcnet"
data="${SVCNET_DEMO_DIR:-$PWD/_output/demo}"
port="${SVCNET_DEMO_PORT:-6443}"
mkdir -p "$data"

# Stop a previous demo server, only if the recorded PID is still ours.
if [ -f "$data/server.pid" ]; then
  old=$(cat "$data/server.pid")
  if [ -r "/proc/$old/cmdline" ] && tr '\0' ' ' <"/proc/$old/cmdline" | grep -q -- "--data-dir $data"; then
    kill "$old"
    for _ in $(seq 50); do [ -e "/proc/$old" ] || break; sleep 0.1; done
  fi
  rm -f "$data/server.pid"
fi

nohup "$bin" server --data-dir "$data" --secure-port "$port" --bind-address 127.0.0.1 \
  --advertise-address 127.0.0.1 >"$data/server.log" 2>&1 &
echo $! >"$data/server.pid"
export KUBECONFIG="$data/kubeconfig"
k() { "$bin" kubectl "$@"; }
for _ in $(seq 100); do
  if [ -f "$KUBECONFIG" ] && k get --raw /readyz >/dev/null 2>&1 && k get svc kubernetes >/dev/null 2>&1; then break; fi
  sleep 0.2
done
k get --raw /readyz >/dev/null || { echo "server did not start; see $data/server.log" >&2; exit 1; }

k apply -f examples/seed-000/nginx-pod.yaml
k expose pod nginx-pod --port=80 --target-port=80 --dry-run=client -oyaml \
  | sed 's/name: nginx-pod/name: nginx-service/' | k apply -f -
k apply -f examples/seed-001/services/
k apply -f examples/seed-003/k8s_example_12.yml -f examples/seed-003/service.yml
k apply -f examples/seed-004/
k apply -f examples/headless/

echo
k get svc -o wide
echo
k describe svc nginx-service
cat <<MSG

svcnet control plane is running (PID $(cat "$data/server.pid"), log $data/server.log).

  export KUBECONFIG=$KUBECONFIG
  $bin kubectl get svc,endpointslices
  $bin kubectl get deploy,rs,pods -o wide

Stop it with: kill \$(cat $data/server.pid)
MSG
