package e2e

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/svcnet/svcnet/pkg/controllermanager"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

// kubectl runs one kubectl client against a test server.
type kubectl struct {
	t          *testing.T
	argv       []string
	kubeconfig string
}

func (k kubectl) run(stdin string, args ...string) (string, error) {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append(append([]string{}, k.argv[1:]...), append([]string{"--kubeconfig", k.kubeconfig}, args...)...)
	cmd := exec.CommandContext(ctx, k.argv[0], full...)
	cmd.Env = append(os.Environ(), "HOME="+k.t.TempDir())
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (k kubectl) must(stdin string, args ...string) string {
	k.t.Helper()
	out, err := k.run(stdin, args...)
	if err != nil {
		k.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// wantLines fails unless every pattern matches some line of out.
func wantLines(t *testing.T, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		found := false
		for _, line := range strings.Split(out, "\n") {
			if re.MatchString(line) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no line matches %q in:\n%s", p, out)
		}
	}
}

const nginxPod = `apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
  labels:
    app: nginx
spec:
  containers:
  - name: nginx
    image: nginx
    ports:
    - containerPort: 80
`

// setPodRunning stands in for the node agent: the pod runs and is ready.
func setPodRunning(t *testing.T, ts *servertest.TestServer, name, ip string) {
	t.Helper()
	ctx := context.Background()
	// The scheduler may write the pod's status at the same time, so the
	// write retries on conflict, as a kubelet does.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := ts.Client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		p.Status.Phase = corev1.PodRunning
		p.Status.PodIP, p.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		p.Status.ContainerStatuses = nil
		for _, c := range p.Spec.Containers {
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
				Name: c.Name, Image: c.Image, Ready: true, Started: ptrTo(true),
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}},
			})
		}
		_, err = ts.Client.CoreV1().Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSeed000WithEmbeddedKubectl replays seed 000's kubectl steps that need
// no running pod process: expose, apply, get, describe, label, get -w and
// delete -l.
func TestSeed000WithEmbeddedKubectl(t *testing.T) {
	ts := servertest.Start(t, servertest.WithControllers(controllermanager.New(controllermanager.Config{})))
	k := kubectl{t: t, argv: []string{svcnetBin, "kubectl"}, kubeconfig: ts.KubeconfigPath()}
	wantLines(t, k.must(nginxPod, "apply", "-f", "-"), `^pod/nginx-pod created$`)
	setPodRunning(t, ts, "nginx-pod", "10.244.1.4")
	wantLines(t, k.must("", "get", "po"), `^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$`, `^nginx-pod\s+1/1\s+Running\s+0\s+\S+$`)

	yaml := k.must("", "expose", "pod", "nginx-pod", "--port=80", "--target-port=80", "--dry-run=client", "-oyaml")
	wantLines(t, yaml, `^kind: Service$`, `^  name: nginx-pod$`, `^    app: nginx$`, `^    targetPort: 80$`)
	yaml = strings.Replace(yaml, "name: nginx-pod", "name: nginx-service", 1)
	file := filepath.Join(t.TempDir(), "service.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	wantLines(t, k.must("", "apply", "-f", file), `^service/nginx-service created$`)
	wantLines(t, k.must("", "apply", "-f", file), `^service/nginx-service unchanged$`)

	get := k.must("", "get", "service")
	wantLines(t, get,
		`^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$`,
		`^kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443/TCP\s+\S+$`,
		`^nginx-service\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80/TCP\s+\S+$`)
	wantLines(t, k.must("", "get", "svc", "-o", "wide"),
		`^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR$`,
		`^nginx-service\s+ClusterIP\s+\S+\s+<none>\s+80/TCP\s+\S+\s+app=nginx$`)

	// The controllers put the pod behind the service.
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		out, _ := k.run("", "describe", "service", "nginx-service")
		return strings.Contains(out, "10.244.1.4:80"), nil
	}); err != nil {
		t.Fatal("describe never showed the pod's endpoint")
	}
	wantLines(t, k.must("", "describe", "service", "nginx-service"),
		`^Name:\s+nginx-service$`, `^Namespace:\s+default$`, `^Labels:\s+app=nginx$`, `^Selector:\s+app=nginx$`,
		`^Type:\s+ClusterIP$`, `^IP Family Policy:\s+SingleStack$`, `^IP Families:\s+IPv4$`, `^IP:\s+10\.`,
		`^Port:\s+<unset>\s+80/TCP$`, `^TargetPort:\s+80/TCP$`, `^Endpoints:\s+10\.244\.1\.4:80$`, `^Session Affinity:\s+None$`)

	wantLines(t, k.must("", "label", "svc", "nginx-service", "tier=web"), `^service/nginx-service labeled$`)
	wantLines(t, k.must("", "get", "svc", "-l", "tier=web", "--show-labels"), `^nginx-service\s.*app=nginx,tier=web$`)

	// get -w prints rows as they change.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	watch := exec.CommandContext(ctx, svcnetBin, "kubectl", "--kubeconfig", ts.KubeconfigPath(), "get", "svc", "-w")
	stdout, err := watch.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = watch.Process.Kill(); _ = watch.Wait() }()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	time.Sleep(time.Second)
	k.must("", "create", "service", "clusterip", "watched", "--tcp=8080:80")
	seen := false
	for !seen {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("kubectl get -w ended early")
			}
			seen = regexp.MustCompile(`^watched\s+ClusterIP\s+10\.`).MatchString(l)
		case <-ctx.Done():
			t.Fatal("kubectl get -w never showed the new service")
		}
	}

	wantLines(t, k.must("", "delete", "svc", "-l", "app=nginx"), `^service "nginx-service" deleted`)
	out := k.must("", "get", "svc")
	if strings.Contains(out, "nginx-service") {
		t.Fatalf("service still listed after delete -l:\n%s", out)
	}
	// Relabelling the pod takes it out of the service's endpoints.
	wantLines(t, k.must("", "label", "pod", "nginx-pod", "app=other", "--overwrite"), `^pod/nginx-pod labeled$`)
}

// TestOlderKubectls runs get, apply, describe and delete -l with the
// machine's kubectl 1.32 and with kubectl 1.20 (client-side validation from
// /openapi/v2, describe from Endpoints, delete waiting on a metadata.name
// field selector).
func TestOlderKubectls(t *testing.T) {
	clients := map[string]string{
		"1.32": "/usr/bin/kubectl",
		"1.20": os.Getenv("SVCNET_KUBECTL_120"),
	}
	for version, path := range clients {
		t.Run(version, func(t *testing.T) {
			if path == "" {
				t.Skipf("kubectl %s not available: set SVCNET_KUBECTL_120 to its path (.ci/run unpacks Debian's kubernetes-client)", version)
			}
			if _, err := os.Stat(path); err != nil {
				t.Skipf("kubectl %s not available at %s: %v", version, path, err)
			}
			ts := servertest.Start(t, servertest.WithControllers(controllermanager.New(controllermanager.Config{})))
			k := kubectl{t: t, argv: []string{path}, kubeconfig: ts.KubeconfigPath()}
			wantLines(t, k.must(nginxPod, "apply", "-f", "-"), `^pod/nginx-pod created$`)
			setPodRunning(t, ts, "nginx-pod", "10.244.2.7")
			svc := "apiVersion: v1\nkind: Service\nmetadata:\n  name: nginx-service\n  labels:\n    app: nginx\nspec:\n  selector:\n    app: nginx\n  ports:\n  - port: 80\n    targetPort: 80\n"
			wantLines(t, k.must(svc, "apply", "-f", "-"), `^service/nginx-service created$`)
			bad := strings.Replace(svc, "targetPort: 80", "targetPort: 80\n    bogusField: 1", 1)
			if out, err := k.run(bad, "apply", "-f", "-"); err == nil || !strings.Contains(out, "bogusField") {
				t.Errorf("an unknown field was not rejected by kubectl %s validation: %v\n%s", version, err, out)
			}
			wantLines(t, k.must("", "get", "svc"), `^nginx-service\s+ClusterIP\s+10\.\S+\s+<none>\s+80/TCP\s+\S+$`)
			if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
				out, _ := k.run("", "describe", "svc", "nginx-service")
				return strings.Contains(out, "10.244.2.7:80"), nil
			}); err != nil {
				out, _ := k.run("", "describe", "svc", "nginx-service")
				t.Fatalf("kubectl %s describe never showed the endpoint:\n%s", version, out)
			}
			wantLines(t, k.must("", "delete", "svc,pod", "-l", "app=nginx"), `service "nginx-service" deleted`, `pod "nginx-pod" deleted`)
			if out := k.must("", "get", "svc,pod"); strings.Contains(out, "nginx") {
				t.Fatalf("objects remain after delete -l:\n%s", out)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }

// TestExplainUsesOpenAPI checks that kubectl explain reads the served
// OpenAPI v3 documents.
func TestExplainUsesOpenAPI(t *testing.T) {
	ts := servertest.Start(t)
	k := kubectl{t: t, argv: []string{svcnetBin, "kubectl"}, kubeconfig: ts.KubeconfigPath()}
	wantLines(t, k.must("", "explain", "service.spec.ports"),
		`^KIND:\s+Service$`, `^VERSION:\s+v1$`, `^FIELD:\s+ports\s+<\[\]ServicePort>$`, `^\s+nodePort\s+<integer>$`)
	wantLines(t, k.must("", "explain", "deployment.spec.replicas"), `^GROUP:\s+apps$`, `^FIELD:\s+replicas\s+<integer>$`)
}
