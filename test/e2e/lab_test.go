package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// labCluster is a `svcnet lab` cluster brought up by the built binary.
type labCluster struct {
	t          *testing.T
	name       string
	kubeconfig string
}

// startLab brings up a lab cluster of n nodes, or skips when this machine
// cannot run one (not Linux, not root, no nsenter or nft). The lab is taken
// down when the test ends, even when it fails.
func startLab(t *testing.T, nodes int) *labCluster {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("lab clusters need Linux network namespaces")
	}
	if os.Geteuid() != 0 {
		t.Skip("lab clusters need root (network namespaces, veths, nftables); CI runs as root")
	}
	for _, bin := range []string{"nsenter", "nft", "ip", "curl"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("lab clusters need %s (hack/deps.sh installs it)", bin)
		}
	}
	name := fmt.Sprintf("e%d", time.Now().UnixNano()%100000)
	l := &labCluster{t: t, name: name}
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range []string{"server.log", "node1.log", "node2.log"} {
				data, _ := os.ReadFile(filepath.Join("/run/svcnet-lab", name, f))
				t.Logf("---- %s (tail) ----\n%s", f, tail(string(data), 3000))
			}
		}
		out, err := exec.Command(svcnetBin, "lab", "down", "--name", name).CombinedOutput()
		if err != nil {
			t.Errorf("lab down: %v\n%s", err, out)
		}
	})
	out, err := exec.Command(svcnetBin, "lab", "up", "--name", name, "--nodes", fmt.Sprint(nodes)).CombinedOutput()
	if err != nil {
		t.Fatalf("lab up: %v\n%s", err, out)
	}
	l.kubeconfig = filepath.Join("/run/svcnet-lab", name, "kubeconfig")
	// Every node registers and turns Ready.
	l.eventually("all nodes Ready", 60*time.Second, func() bool {
		out, err := l.kubectl("", "get", "nodes", "--no-headers")
		return err == nil && strings.Count(out, " Ready ") == nodes
	})
	// Cluster DNS answers through the kube-dns ClusterIP on every node.
	for i := 1; i <= nodes; i++ {
		node := fmt.Sprintf("node%d", i)
		l.eventually("cluster DNS on "+node, 60*time.Second, func() bool {
			out, _ := l.exec(node, "dig", "+short", "+time=1", "+tries=1", "@10.96.0.10", "kubernetes.default.svc.cluster.local")
			return strings.TrimSpace(out) == "10.96.0.1"
		})
	}
	return l
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (l *labCluster) kubectl(stdin string, args ...string) (string, error) {
	k := kubectl{t: l.t, argv: []string{svcnetBin, "kubectl"}, kubeconfig: l.kubeconfig}
	return k.run(stdin, args...)
}

func (l *labCluster) must(stdin string, args ...string) string {
	l.t.Helper()
	out, err := l.kubectl(stdin, args...)
	if err != nil {
		l.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// exec runs a command in a lab node (or "outside") and returns its output.
func (l *labCluster) exec(node string, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, svcnetBin, append([]string{"lab", "exec", "--name", l.name, node, "--"}, argv...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (l *labCluster) eventually(what string, timeout time.Duration, cond func() bool) {
	l.t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, timeout, true,
		func(context.Context) (bool, error) { return cond(), nil }); err != nil {
		l.t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// TestLabSeed000 replays seed 000 on a 2-node lab with real pods, the
// nftables proxy and the host-gw pod network.
func TestLabSeed000(t *testing.T) {
	l := startLab(t, 2)
	l.must("", "apply", "-f", "../../examples/seed-000/nginx-pod.yaml")
	yaml := l.must("", "expose", "pod", "nginx-pod", "--port=80", "--target-port=80", "--dry-run=client", "-oyaml")
	l.must(strings.Replace(yaml, "name: nginx-pod", "name: nginx-service", 1), "apply", "-f", "-")
	l.eventually("nginx-pod Running", 60*time.Second, func() bool {
		out, _ := l.kubectl("", "get", "po", "nginx-pod", "--no-headers")
		return strings.Contains(out, "1/1") && strings.Contains(out, "Running")
	})
	wantLines(t, l.must("", "get", "service"), `^nginx-service\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80/TCP\s+\S+$`)
	podIP := strings.TrimSpace(l.must("", "get", "po", "nginx-pod", "-o", "jsonpath={.status.podIP}"))
	if !strings.HasPrefix(podIP, "10.244.") {
		t.Fatalf("pod IP %q not from the pod network", podIP)
	}
	l.eventually("describe shows the endpoint", 30*time.Second, func() bool {
		out, _ := l.kubectl("", "describe", "service", "nginx-service")
		return strings.Contains(out, "Endpoints:                "+podIP+":80")
	})
	ip := strings.TrimSpace(l.must("", "get", "svc", "nginx-service", "-o", "jsonpath={.spec.clusterIP}"))
	for _, node := range []string{"node1", "node2"} {
		l.eventually("curl from "+node+" to the ClusterIP", 30*time.Second, func() bool {
			out, err := l.exec(node, "curl", "-s", "-m", "3", "http://"+ip+":80")
			return err == nil && strings.Contains(out, "<title>Welcome to nginx!</title>")
		})
	}
	// Relabelled, the pod leaves the service: connections are refused at
	// once (no endpoints -> reject), not left to time out.
	l.must("", "label", "pod", "nginx-pod", "app=other", "--overwrite")
	l.eventually("the relabelled pod leaves the endpoints", 30*time.Second, func() bool {
		out, _ := l.kubectl("", "describe", "service", "nginx-service")
		return strings.Contains(out, "Endpoints:") && !strings.Contains(out, podIP+":80")
	})
	l.eventually("connection refused without endpoints", 30*time.Second, func() bool {
		start := time.Now()
		out, err := l.exec("node2", "curl", "-s", "-m", "3", "-o", "/dev/null", "-w", "%{exitcode}", "http://"+ip+":80")
		return err != nil && strings.Contains(out, "7") && time.Since(start) < 2*time.Second
	})
}

// TestLabSeed001 replays seed 001's pods and services: the ClusterIP and
// its DNS name from the nodes, the NodePort from outside on every node.
func TestLabSeed001(t *testing.T) {
	l := startLab(t, 2)
	l.must("", "apply", "-f", "../../examples/seed-001/pods/")
	l.eventually("pods Running and ready", 60*time.Second, func() bool {
		out, _ := l.kubectl("", "get", "pods", "--no-headers")
		return strings.Count(out, "Running") == 2 && strings.Count(out, "1/1") == 2
	})
	wantLines(t, l.must("", "get", "pods", "-o", "wide", "--show-labels"),
		`^whoami\s+1/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+node\d\s+<none>\s+<none>\s+app=whoami,kubernetes.courselabs.co=services$`)
	// Pods cannot find each other by name: before the service exists,
	// nslookup from the sleep pod fails.
	// (The cluster's names answer NXDOMAIN; the bare name then goes to the
	// upstream, which a lab does not have, so the last answer is SERVFAIL.)
	if out, err := l.kubectl("", "exec", "sleep", "--", "nslookup", "whoami"); err == nil || !strings.Contains(out, "can't find whoami") {
		t.Fatalf("nslookup whoami before its service existed: %v\n%s", err, out)
	}
	l.must("", "apply", "-f", "../../examples/seed-001/services/")
	wantLines(t, l.must("", "get", "svc", "-l", "app=whoami"),
		`^whoami\s+ClusterIP\s+10\.\S+\s+<none>\s+80/TCP\s+\S+$`,
		`^whoami-lb\s+LoadBalancer\s+10\.\S+\s+\S+\s+8080:\d+/TCP\s+\S+$`,
		`^whoami-np\s+NodePort\s+10\.\S+\s+<none>\s+8010:30010/TCP\s+\S+$`)
	ip := strings.TrimSpace(l.must("", "get", "svc", "whoami", "-o", "jsonpath={.spec.clusterIP}"))
	l.eventually("DNS answers the service's ClusterIP", 30*time.Second, func() bool {
		out, _ := l.exec("node2", "dig", "+short", "@10.96.0.10", "whoami.default.svc.cluster.local")
		return strings.TrimSpace(out) == ip
	})
	l.eventually("curl http://whoami's ClusterIP", 30*time.Second, func() bool {
		out, err := l.exec("node2", "curl", "-s", "-m", "3", "http://"+ip)
		return err == nil && strings.Contains(out, "Hostname: whoami")
	})
	// The seed's own steps, inside the sleep pod.
	wantLines(t, l.must("", "exec", "sleep", "--", "nslookup", "whoami"),
		`^Server:\s+10\.96\.0\.10$`, `^Name:\s+whoami\.default\.svc\.cluster\.local$`, `^Address: `+regexp.QuoteMeta(ip)+`$`)
	wantLines(t, l.must("", "exec", "sleep", "--", "curl", "-s", "http://whoami"), `^Hostname: whoami$`)
	// The other two services got their endpoints at the same time, but
	// each is programmed on its own schedule.
	for _, target := range []string{"http://whoami-lb:8080", "http://whoami-np:8010"} {
		l.eventually("curl "+target+" from the sleep pod", 30*time.Second, func() bool {
			out, err := l.kubectl("", "exec", "sleep", "--", "curl", "-s", "-m", "3", target)
			return err == nil && strings.Contains(out, "Hostname: whoami")
		})
	}
	if !strings.Contains(l.must("", "logs", "whoami"), `"GET / HTTP/1.1" 200`) {
		t.Error("kubectl logs whoami shows no access-log line")
	}
	for _, nodeIP := range []string{"192.0.2.11", "192.0.2.12"} {
		l.eventually("NodePort 30010 on "+nodeIP+" from outside", 30*time.Second, func() bool {
			out, err := l.exec("outside", "curl", "-s", "-m", "3", "http://"+nodeIP+":30010")
			return err == nil && strings.Contains(out, "Hostname: whoami")
		})
	}
	// The replacement pod gets a new IP, and the service still works.
	oldIP := strings.TrimSpace(l.must("", "get", "po", "whoami", "-o", "jsonpath={.status.podIP}"))
	l.must("", "delete", "pods", "-l", "app=whoami")
	l.must("", "apply", "-f", "../../examples/seed-001/pods/whoami.yaml")
	l.eventually("replacement Running", 60*time.Second, func() bool {
		out, _ := l.kubectl("", "get", "po", "whoami", "-o", "jsonpath={.status.phase} {.status.podIP}")
		return strings.HasPrefix(out, "Running 10.244.") && !strings.HasSuffix(out, " "+oldIP)
	})
	l.eventually("curl reaches the replacement", 30*time.Second, func() bool {
		out, err := l.kubectl("", "exec", "sleep", "--", "curl", "-s", "-m", "3", "http://whoami")
		return err == nil && strings.Contains(out, "Hostname: whoami")
	})
	l.must("", "delete", "pod,svc", "-l", "kubernetes.courselabs.co=services")
	if out := l.must("", "get", "pod,svc", "-l", "kubernetes.courselabs.co=services", "--no-headers"); strings.TrimSpace(out) != "" && !strings.Contains(out, "No resources") {
		t.Fatalf("objects left after delete -l:\n%s", out)
	}
}

// TestLabSeed003And004 replays seeds 003 and 004: the example-12
// Deployment (2 httpd replicas) behind a ClusterIP and then a NodePort, and
// hostname-service on NodePort 30163 from outside on every node.
func TestLabSeed003And004(t *testing.T) {
	l := startLab(t, 2)
	l.must("", "apply", "-f", "../../examples/seed-003/k8s_example_12.yml")
	l.must("", "apply", "-f", "../../examples/seed-003/service.yml")
	l.eventually("2 httpd replicas ready", 60*time.Second, func() bool {
		out, _ := l.kubectl("", "get", "rs", "--no-headers")
		return regexpMatch(`^example-12-\S+\s+2\s+2\s+2\s+\S+$`, out)
	})
	// One replica per node, each with an IP from its node's podCIDR.
	wide := l.must("", "get", "pods", "-o", "wide")
	wantLines(t, wide,
		`^example-12-\S+\s+1/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+node1\s`,
		`^example-12-\S+\s+1/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+node2\s`)
	for _, n := range []string{"node1", "node2"} {
		cidr := strings.TrimSuffix(strings.TrimSpace(l.must("", "get", "node", n, "-o", "jsonpath={.spec.podCIDR}")), ".0/24")
		if !regexpMatch(`\s`+regexp.QuoteMeta(cidr)+`\.\d+\s+`+n+`\s`, wide) {
			t.Errorf("%s's pod is not in its podCIDR %s.0/24:\n%s", n, cidr, wide)
		}
	}
	ip := strings.TrimSpace(l.must("", "get", "svc", "my-service", "-o", "jsonpath={.spec.clusterIP}"))
	l.eventually("both endpoints in describe", 30*time.Second, func() bool {
		out, _ := l.kubectl("", "describe", "services", "my-service")
		return regexpMatch(`^Endpoints:\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80$`, out)
	})
	l.eventually("curl the VIP", 30*time.Second, func() bool {
		out, err := l.exec("node1", "curl", "-s", "-m", "3", "http://"+ip+":80")
		return err == nil && strings.TrimSpace(out) == "<html><body><h1>It works!</h1></body></html>"
	})
	// A deleted pod does not break the service: the ReplicaSet replaces it
	// and, once the endpoints have followed, every request is served.
	pod := strings.Fields(l.must("", "get", "pods", "-l", "name=xander", "--no-headers"))[0]
	oldIP := strings.TrimSpace(l.must("", "get", "pod", pod, "-o", "jsonpath={.status.podIP}"))
	l.must("", "delete", "pod", pod)
	l.eventually("the replacement behind the service", 60*time.Second, func() bool {
		out, _ := l.kubectl("", "describe", "services", "my-service")
		return regexpMatch(`^Endpoints:\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80$`, out) && !strings.Contains(out, oldIP+":80")
	})
	time.Sleep(1500 * time.Millisecond) // the proxy's minimum sync interval is 1 s
	for i := 0; i < 5; i++ {
		out, err := l.exec("node2", "curl", "-s", "-m", "3", "http://"+ip+":80")
		if err != nil || !strings.Contains(out, "It works!") {
			t.Fatalf("the service failed while a pod was replaced: %v %q", err, out)
		}
	}
	// The NodePort variant, from outside.
	l.must("", "apply", "-f", "../../examples/seed-003/service-nodeport.yml")
	port := strings.TrimSpace(l.must("", "get", "svc", "my-service", "-o", "jsonpath={.spec.ports[0].nodePort}"))
	l.eventually("seed 003 NodePort from outside", 30*time.Second, func() bool {
		out, err := l.exec("outside", "curl", "-s", "-m", "3", "http://192.0.2.12:"+port)
		return err == nil && strings.Contains(out, "It works!")
	})

	// Seed 004: NodePort 30163 -> 8080 -> 80 on every node.
	l.must("", "apply", "-f", "../../examples/seed-004/")
	wantLines(t, l.must("", "get", "svc", "hostname-service"), `^hostname-service\s+NodePort\s+10\.\S+\s+<none>\s+8080:30163/TCP\s+\S+$`)
	for _, node := range []string{"192.0.2.11", "192.0.2.12"} {
		l.eventually("hostname-service on "+node, 60*time.Second, func() bool {
			out, err := l.exec("outside", "curl", "-s", "-m", "3", "http://"+node+":30163")
			return err == nil && strings.HasPrefix(out, "echo-hostname-")
		})
	}
}

func regexpMatch(pattern, out string) bool {
	re := regexp.MustCompile(pattern)
	for _, line := range strings.Split(out, "\n") {
		if re.MatchString(line) {
			return true
		}
	}
	return false
}

// TestLabSeed002 replays seed 002: service environment variables in pods
// created after the service, the service's FQDN, and endpoints that track
// the pods.
func TestLabSeed002(t *testing.T) {
	l := startLab(t, 2)
	l.must("", "apply", "-f", "../../examples/seed-001/services/whoami-clusterip.yaml")
	ip := strings.TrimSpace(l.must("", "get", "svc", "whoami", "-o", "jsonpath={.spec.clusterIP}"))
	l.must("", "apply", "-f", "../../examples/seed-001/pods/")
	l.eventually("pods ready", 60*time.Second, func() bool {
		out, _ := l.kubectl("", "get", "pods", "--no-headers")
		return strings.Count(out, "1/1") == 2
	})
	wantLines(t, l.must("", "exec", "sleep", "--", "env"),
		`^WHOAMI_SERVICE_HOST=`+regexp.QuoteMeta(ip)+`$`, `^WHOAMI_SERVICE_PORT=80$`, `^WHOAMI_SERVICE_PORT_HTTP=80$`,
		`^WHOAMI_PORT=tcp://`+regexp.QuoteMeta(ip)+`:80$`, `^WHOAMI_PORT_80_TCP_ADDR=`+regexp.QuoteMeta(ip)+`$`,
		`^KUBERNETES_SERVICE_HOST=10\.96\.0\.1$`)
	wantLines(t, l.must("", "exec", "sleep", "--", "nslookup", "whoami.default.svc.cluster.local"), `^Address: `+regexp.QuoteMeta(ip)+`$`)
	wantLines(t, l.must("", "exec", "sleep", "--", "cat", "/etc/resolv.conf"),
		`^nameserver 10\.96\.0\.10$`, `^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$`, `^options ndots:5$`)
	if h := strings.TrimSpace(l.must("", "exec", "sleep", "--", "hostname")); h != "sleep" {
		t.Errorf("hostname in the pod = %q, want sleep", h)
	}
	podIP := strings.TrimSpace(l.must("", "get", "po", "whoami", "-o", "jsonpath={.status.podIP}"))
	wantLines(t, l.must("", "get", "endpoints", "whoami"), `^whoami\s+`+regexp.QuoteMeta(podIP)+`:80\s+\S+$`)
	l.must("", "delete", "pod", "whoami")
	l.eventually("endpoints follow the deleted pod", 30*time.Second, func() bool {
		out, _ := l.kubectl("", "get", "endpoints", "whoami", "--no-headers")
		return regexpMatch(`^whoami\s+<none>\s+\S+$`, out)
	})
}

// TestLabProbesGateReady runs two nginx pods behind one service, one whose
// readiness probe asks for a page nginx does not have: it runs but never
// turns Ready, and only the other pod serves the service.
func TestLabProbesGateReady(t *testing.T) {
	l := startLab(t, 1)
	pod := func(name, path string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
  labels: {app: probed}
spec:
  containers:
  - name: web
    image: nginx
    ports: [{containerPort: 80}]
    readinessProbe:
      httpGet: {path: %s, port: 80}
      periodSeconds: 1
`, name, path)
	}
	l.must(pod("good", "/")+"---\n"+pod("bad", "/missing"), "apply", "-f", "-")
	// kubectl create service selects app=<name>: the two pods.
	l.must("", "create", "service", "clusterip", "probed", "--tcp=80:80")
	l.eventually("good Ready, bad running but not Ready", 60*time.Second, func() bool {
		out, _ := l.kubectl("", "get", "pods", "--no-headers")
		return regexpMatch(`^good\s+1/1\s+Running`, out) && regexpMatch(`^bad\s+0/1\s+Running`, out)
	})
	goodIP := strings.TrimSpace(l.must("", "get", "po", "good", "-o", "jsonpath={.status.podIP}"))
	l.eventually("only the ready pod in the endpoints", 30*time.Second, func() bool {
		out, _ := l.kubectl("", "get", "endpoints", "probed", "--no-headers")
		return regexpMatch(`^probed\s+`+regexp.QuoteMeta(goodIP)+`:80\s+\S+$`, out)
	})
	// Stays so: the failing probe keeps it out.
	time.Sleep(3 * time.Second)
	if out := l.must("", "get", "po", "bad", "--no-headers"); !regexpMatch(`^bad\s+0/1\s+Running`, out) {
		t.Fatalf("the pod whose readiness probe fails turned ready: %s", out)
	}
}
