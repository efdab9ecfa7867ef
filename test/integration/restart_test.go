package integration

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/svcnet/svcnet/pkg/server/servertest"
)

// TestRestartKeepsEverything restarts the server on the same data
// directory and checks that objects and allocations survive, and that the
// allocator does not hand out an IP or port that is still held.
func TestRestartKeepsEverything(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, 2*time.Minute)
	before := map[string]*corev1.Service{}
	for i := 0; i < 20; i++ {
		s, err := ts.Client.CoreV1().Services("default").Create(ctx, svc(fmt.Sprintf("s%02d", i), corev1.ServiceTypeNodePort, 80), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before[s.Name] = s
	}
	ts.Restart()
	list, err := ts.Client.CoreV1().Services("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != len(before)+1 {
		t.Fatalf("%d services after restart, want %d", len(list.Items), len(before)+1)
	}
	for _, s := range list.Items {
		if b, ok := before[s.Name]; ok && (s.Spec.ClusterIP != b.Spec.ClusterIP || s.Spec.Ports[0].NodePort != b.Spec.Ports[0].NodePort || s.UID != b.UID) {
			t.Errorf("%s changed across restart: %s/%d -> %s/%d", s.Name, b.Spec.ClusterIP, b.Spec.Ports[0].NodePort, s.Spec.ClusterIP, s.Spec.Ports[0].NodePort)
		}
	}
	assertAllocationsMatch(t, ts, len(before)+bootstrapIPs, len(before))
	// Every held IP and port is refused to a new service.
	for _, b := range before {
		s := svc("dup-"+b.Name, corev1.ServiceTypeNodePort, 80)
		s.Spec.ClusterIP = b.Spec.ClusterIP
		_, err := ts.Client.CoreV1().Services("default").Create(ctx, s, metav1.CreateOptions{})
		wantStatus(t, err, 422, "already allocated")
		break
	}
}

// TestExternalEtcd runs the server against a real etcd cluster member from
// Debian's etcd-server package.
func TestExternalEtcd(t *testing.T) {
	etcdBin, err := exec.LookPath("etcd")
	if err != nil {
		t.Skip("etcd binary not found (apt-get install etcd-server; .ci/run installs it)")
	}
	dir := t.TempDir()
	client, peer := freePort(t), freePort(t)
	clientURL := "http://127.0.0.1:" + strconv.Itoa(client)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peer)
	cmd := exec.Command(etcdBin, "--data-dir", filepath.Join(dir, "etcd"), "--name", "e2e",
		"--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "e2e="+peerURL)
	logf, err := os.Create(filepath.Join(dir, "etcd.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ctx := testCtx(t, 2*time.Minute)
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", client))
		if err == nil {
			c.Close()
		}
		return err == nil, nil
	}); err != nil {
		t.Fatal("etcd did not start")
	}
	ts := servertest.Start(t, servertest.WithoutControllers(), servertest.WithEtcdServers(clientURL))
	created, err := ts.Client.CoreV1().Services("default").Create(ctx, svc("ext", corev1.ServiceTypeNodePort, 80), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts.Restart()
	got, err := ts.Client.CoreV1().Services("default").Get(ctx, "ext", metav1.GetOptions{})
	if err != nil || got.Spec.ClusterIP != created.Spec.ClusterIP {
		t.Fatalf("service on external etcd lost across restart: %v", err)
	}
	if ts.EtcdEndpoint() != "" {
		t.Fatal("server started an embedded etcd although --etcd-servers was given")
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
