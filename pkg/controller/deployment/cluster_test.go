package deployment_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/svcnet/svcnet/pkg/controller/deployment"
	"github.com/svcnet/svcnet/pkg/controller/replicaset"
	"github.com/svcnet/svcnet/pkg/scheduler"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

// neverReady is an image the fake kubelet starts but never marks Ready.
const neverReady = "never-ready"

// cluster is a control plane with the Deployment and ReplicaSet controllers,
// the scheduler, two Ready nodes and a fake kubelet.
type cluster struct {
	ctx        context.Context
	c          kubernetes.Interface
	kubeconfig string
}

func startCluster(t *testing.T, readyDelay time.Duration) *cluster {
	t.Helper()
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(ts.Client, 0)
	dc, err := deployment.New(deployment.Config{Client: ts.Client, Informers: factory})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := replicaset.New(replicaset.Config{Client: ts.Client, Informers: factory})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scheduler.New(scheduler.Config{Client: ts.Client, Informers: factory})
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	var wg sync.WaitGroup
	wg.Go(func() { dc.Run(ctx, 2) })
	wg.Go(func() { rc.Run(ctx, 2) })
	wg.Go(func() { sc.Run(ctx, 1) })
	cl := &cluster{ctx: ctx, c: ts.Client, kubeconfig: ts.KubeconfigPath()}
	for _, n := range []string{"node1", "node2"} {
		cl.addReadyNode(t, n)
	}
	wg.Go(func() { cl.kubelet(readyDelay) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		factory.Shutdown()
	})
	return cl
}

func (cl *cluster) addReadyNode(t *testing.T, name string) {
	n, err := cl.c.CoreV1().Nodes().Create(cl.ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.Now()}}
	if _, err := cl.c.CoreV1().Nodes().UpdateStatus(cl.ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// kubelet plays the node agents: a bound pod turns Running with an IP at
// once and Ready after readyDelay (never, for the neverReady image); a
// terminating pod turns not ready at once and is gone on the next round.
func (cl *cluster) kubelet(readyDelay time.Duration) {
	c, ctx := cl.c, cl.ctx
	started := map[string]time.Time{}
	ip := 1
	for ctx.Err() == nil {
		pods, err := c.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		if err == nil {
			for i := range pods.Items {
				p := &pods.Items[i]
				switch {
				case p.Spec.NodeName == "":
				case p.DeletionTimestamp != nil:
					if isReady(p) {
						setReady(p, false)
						_, _ = c.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
						continue
					}
					_ = c.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, *metav1.NewDeleteOptions(0))
				case p.Status.Phase != corev1.PodRunning:
					ip++
					p.Status.Phase = corev1.PodRunning
					p.Status.PodIP = fmt.Sprintf("10.244.%d.%d", ip/250, ip%250+1)
					setReady(p, false)
					if _, err := c.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err == nil {
						started[string(p.UID)] = time.Now()
					}
				case !isReady(p) && p.Spec.Containers[0].Image != neverReady && time.Since(started[string(p.UID)]) >= readyDelay:
					setReady(p, true)
					_, _ = c.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func setReady(p *corev1.Pod, ready bool) {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			if p.Status.Conditions[i].Status != status {
				p.Status.Conditions[i].Status = status
				p.Status.Conditions[i].LastTransitionTime = metav1.Now()
			}
			return
		}
	}
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: status, LastTransitionTime: metav1.Now()})
}

// kubectlMu serialises in-process kubectl runs: kubectl keeps its fatal
// handler in a package variable.
var kubectlMu sync.Mutex

// kubectl runs the real kubectl in-process against the cluster.
func (cl *cluster) kubectl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	kubectlMu.Lock()
	defer kubectlMu.Unlock()
	var out, errOut bytes.Buffer
	var fatal error
	cmdutil.BehaviorOnFatal(func(msg string, code int) { fatal = fmt.Errorf("exit %d: %s", code, msg) })
	defer cmdutil.DefaultBehaviorOnFatal()
	args = append([]string{"--kubeconfig=" + cl.kubeconfig, "--cache-dir=" + t.TempDir()}, args...)
	cmd := kubectlcmd.NewKubectlCommand(kubectlcmd.KubectlOptions{
		Arguments: append([]string{"kubectl"}, args...),
		IOStreams: genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
	})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	if err := cmd.Execute(); err != nil {
		return out.String(), fmt.Errorf("%w: %s", err, errOut.String())
	}
	if fatal != nil {
		return out.String(), fatal
	}
	return out.String(), nil
}

func writeFile(t *testing.T, name, content string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
