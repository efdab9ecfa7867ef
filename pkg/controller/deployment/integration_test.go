package deployment_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/kubectl/pkg/polymorphichelpers"

	"github.com/svcnet/svcnet/pkg/controller/deployment"
)

// The seed tutorial's manifest.
const example12 = `kind: Deployment
apiVersion: apps/v1
metadata:
  name: example-12
spec:
  replicas: 2
  selector:
    matchLabels:
      name: xander
  template:
    metadata:
      name: container0
      labels:
        name: xander
    spec:
      containers:
      - name: c00
        image: httpd
        ports:
        - containerPort: 80
`

func TestIntegrationKubectlSeed(t *testing.T) {
	cl := startCluster(t, 0)
	out, err := cl.kubectl(t, "apply", "-f", writeFile(t, "k8s_example_12.yml", example12))
	if err != nil || !strings.Contains(out, "deployment.apps/example-12 created") {
		t.Fatalf("apply: %q %v", out, err)
	}
	out, err = cl.kubectl(t, "rollout", "status", "deployment/example-12", "--timeout=60s")
	if err != nil || !strings.Contains(out, `deployment "example-12" successfully rolled out`) {
		t.Fatalf("rollout status: %q %v", out, err)
	}
	out, err = cl.kubectl(t, "get", "rs")
	if err != nil {
		t.Fatal(err)
	}
	// NAME                    DESIRED   CURRENT   READY   AGE
	// example-12-7f6f6c744d   2         2         2       14s
	if !regexp.MustCompile(`(?m)^example-12-[bcdfghjklmnpqrstvwxz2456789]{6,10}\s+2\s+2\s+2\s+\S+$`).MatchString(out) {
		t.Fatalf("kubectl get rs:\n%s", out)
	}
	pods, err := cl.c.CoreV1().Pods("default").List(cl.ctx, metav1.ListOptions{LabelSelector: "name=xander"})
	if err != nil || len(pods.Items) != 2 {
		t.Fatalf("pods: %v %v", pods, err)
	}
	rsName := strings.Fields(strings.Split(out, "\n")[1])[0]
	nodes := map[string]bool{}
	for _, p := range pods.Items {
		if !strings.HasPrefix(p.Name, rsName+"-") || p.Labels[deployment.PodTemplateHashLabel] != strings.TrimPrefix(rsName, "example-12-") {
			t.Errorf("pod %s labels %v", p.Name, p.Labels)
		}
		nodes[p.Spec.NodeName] = true
	}
	if !nodes["node1"] || !nodes["node2"] {
		t.Errorf("replicas not spread over both nodes: %v", nodes)
	}

	out, err = cl.kubectl(t, "scale", "deployment/example-12", "--replicas=4")
	if err != nil || !strings.Contains(out, "deployment.apps/example-12 scaled") {
		t.Fatalf("scale: %q %v", out, err)
	}
	out, err = cl.kubectl(t, "rollout", "status", "deployment/example-12", "--timeout=60s")
	if err != nil || !strings.Contains(out, "successfully rolled out") {
		t.Fatalf("rollout status after scale: %q %v", out, err)
	}
	d, err := cl.c.AppsV1().Deployments("default").Get(cl.ctx, "example-12", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status.AvailableReplicas != 4 || d.Annotations[deployment.RevisionAnnotation] != "1" {
		t.Fatalf("after scale: status %+v annotations %v", d.Status, d.Annotations)
	}
	out, err = cl.kubectl(t, "describe", "deployment", "example-12")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Scaled up replica set " + rsName + " from 0 to 2",
		"Scaled up replica set " + rsName + " from 2 to 4",
		"NewReplicaSetAvailable", "MinimumReplicasAvailable",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl describe lacks %q:\n%s", want, out)
		}
	}
}

func TestIntegrationKubectlSetImageUndoHistory(t *testing.T) {
	cl := startCluster(t, 0)
	if _, err := cl.kubectl(t, "apply", "-f", writeFile(t, "d.yml", example12)); err != nil {
		t.Fatal(err)
	}
	if out, err := cl.kubectl(t, "rollout", "status", "deployment/example-12", "--timeout=60s"); err != nil {
		t.Fatalf("rollout status: %q %v", out, err)
	}
	first, err := cl.c.AppsV1().ReplicaSets("default").List(cl.ctx, metav1.ListOptions{LabelSelector: "name=xander"})
	if err != nil || len(first.Items) != 1 {
		t.Fatalf("replicasets: %v %v", first, err)
	}
	if out, err := cl.kubectl(t, "set", "image", "deployment/example-12", "c00=httpd:2.4"); err != nil {
		t.Fatalf("set image: %q %v", out, err)
	}
	if out, err := cl.kubectl(t, "rollout", "status", "deployment/example-12", "--timeout=60s"); err != nil || !strings.Contains(out, "successfully rolled out") {
		t.Fatalf("rollout status after set image: %q %v", out, err)
	}
	if out, err := cl.kubectl(t, "rollout", "undo", "deployment/example-12"); err != nil || !strings.Contains(out, "rolled back") {
		t.Fatalf("rollout undo: %q %v", out, err)
	}
	if out, err := cl.kubectl(t, "rollout", "status", "deployment/example-12", "--timeout=60s"); err != nil || !strings.Contains(out, "successfully rolled out") {
		t.Fatalf("rollout status after undo: %q %v", out, err)
	}
	// The undo reused the first ReplicaSet, now at revision 3.
	rs, err := cl.c.AppsV1().ReplicaSets("default").Get(cl.ctx, first.Items[0].Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *rs.Spec.Replicas != 2 || rs.Annotations[deployment.RevisionAnnotation] != "3" || rs.Annotations[deployment.RevisionHistoryAnnotation] != "1" {
		t.Fatalf("first replicaset after undo: replicas %d annotations %v", *rs.Spec.Replicas, rs.Annotations)
	}
	out, err := cl.kubectl(t, "rollout", "history", "deployment/example-12")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^2\s`).MatchString(out) || !regexp.MustCompile(`(?m)^3\s`).MatchString(out) {
		t.Fatalf("rollout history:\n%s", out)
	}
}

func newDeployment(name string, replicas int32, image string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}},
			},
		},
	}
}

// rolloutStatus asks kubectl's own status viewer about a Deployment.
func (cl *cluster) rolloutStatus(name string) (string, bool, error) {
	d, err := cl.c.AppsV1().Deployments("default").Get(cl.ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", false, err
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
	if err != nil {
		return "", false, err
	}
	return (&polymorphichelpers.DeploymentStatusViewer{}).Status(&unstructured.Unstructured{Object: m}, 0)
}

func (cl *cluster) waitRolledOut(t *testing.T, name string) {
	t.Helper()
	eventually(t, 60*time.Second, name+" rolled out", func() error {
		msg, done, err := cl.rolloutStatus(name)
		if err != nil {
			return err
		}
		if !done {
			return fmt.Errorf("%s", strings.TrimSpace(msg))
		}
		return nil
	})
}

// podTracker follows pods with a watch and keeps, for every event, the
// number of ready, non-terminating pods per pod-template-hash.
type podTracker struct {
	mu       sync.Mutex
	pods     map[types.UID]*corev1.Pod
	minReady int
	armed    bool
	overlap  []string // moments when pods of two templates coexisted
}

func (cl *cluster) trackPods(t *testing.T, selector string) *podTracker {
	w, err := cl.c.CoreV1().Pods("default").Watch(cl.ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	pt := &podTracker{pods: map[types.UID]*corev1.Pod{}, minReady: 1 << 30}
	go func() {
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			pt.mu.Lock()
			if ev.Type == watch.Deleted {
				delete(pt.pods, p.UID)
			} else {
				pt.pods[p.UID] = p
			}
			pt.observe()
			pt.mu.Unlock()
		}
	}()
	return pt
}

func (pt *podTracker) observe() {
	ready := 0
	hashes := map[string]int{}
	for _, p := range pt.pods {
		hashes[p.Labels[deployment.PodTemplateHashLabel]]++
		if p.DeletionTimestamp == nil && isReady(p) {
			ready++
		}
	}
	if pt.armed {
		pt.minReady = min(pt.minReady, ready)
	}
	if len(hashes) > 1 {
		pt.overlap = append(pt.overlap, fmt.Sprint(hashes))
	}
}

// arm starts recording the minimum from now on.
func (pt *podTracker) arm() {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	pt.armed = true
	pt.overlap = nil
}

func (pt *podTracker) result() (int, []string) {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return pt.minReady, pt.overlap
}

func (cl *cluster) setImage(t *testing.T, name, image string) {
	t.Helper()
	eventually(t, 10*time.Second, "update image", func() error {
		d, err := cl.c.AppsV1().Deployments("default").Get(cl.ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		d.Spec.Template.Spec.Containers[0].Image = image
		_, err = cl.c.AppsV1().Deployments("default").Update(cl.ctx, d, metav1.UpdateOptions{})
		return err
	})
}

func TestIntegrationRollingUpdateKeepsReadyPods(t *testing.T) {
	cl := startCluster(t, 300*time.Millisecond)
	d := newDeployment("web", 4, "nginx:1")
	surge, unavailable := intstr.FromInt32(1), intstr.FromString("25%") // 1 of 4 may be unavailable
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}}
	if _, err := cl.c.AppsV1().Deployments("default").Create(cl.ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pt := cl.trackPods(t, "app=web")
	cl.waitRolledOut(t, "web")
	eventually(t, 10*time.Second, "tracker sees 4 ready pods", func() error {
		pt.mu.Lock()
		defer pt.mu.Unlock()
		n := 0
		for _, p := range pt.pods {
			if isReady(p) && p.DeletionTimestamp == nil {
				n++
			}
		}
		if n != 4 {
			return fmt.Errorf("%d ready", n)
		}
		return nil
	})
	pt.arm()
	cl.setImage(t, "web", "nginx:2")
	eventually(t, 10*time.Second, "new revision observed", func() error {
		got, err := cl.c.AppsV1().Deployments("default").Get(cl.ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got.Annotations[deployment.RevisionAnnotation] != "2" {
			return fmt.Errorf("revision %q", got.Annotations[deployment.RevisionAnnotation])
		}
		return nil
	})
	cl.waitRolledOut(t, "web")
	minReady, overlap := pt.result()
	if minReady < 3 {
		t.Errorf("ready pods dropped to %d during the rollout, below replicas-maxUnavailable = 3", minReady)
	}
	if len(overlap) == 0 {
		t.Errorf("old and new pods never coexisted: not a rolling update")
	}
	rss, err := cl.c.AppsV1().ReplicaSets("default").List(cl.ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rss.Items) != 2 {
		t.Fatalf("%d replicasets", len(rss.Items))
	}
	for _, rs := range rss.Items {
		want := int32(0)
		if rs.Spec.Template.Spec.Containers[0].Image == "nginx:2" {
			want = 4
			if rs.Annotations[deployment.RevisionAnnotation] != "2" {
				t.Errorf("new replicaset revision %q", rs.Annotations[deployment.RevisionAnnotation])
			}
		}
		if *rs.Spec.Replicas != want || rs.Status.Replicas != want {
			t.Errorf("replicaset %s: spec %d status %d, want %d", rs.Name, *rs.Spec.Replicas, rs.Status.Replicas, want)
		}
	}
	t.Logf("minimum ready pods during the rollout: %d", minReady)
}

func TestIntegrationRecreate(t *testing.T) {
	cl := startCluster(t, 100*time.Millisecond)
	d := newDeployment("db", 2, "postgres:1")
	d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType
	if _, err := cl.c.AppsV1().Deployments("default").Create(cl.ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pt := cl.trackPods(t, "app=db")
	cl.waitRolledOut(t, "db")
	pt.arm()
	cl.setImage(t, "db", "postgres:2")
	time.Sleep(200 * time.Millisecond)
	cl.waitRolledOut(t, "db")
	if _, overlap := pt.result(); len(overlap) > 0 {
		t.Fatalf("old and new pods coexisted under Recreate: %v", overlap)
	}
	got, err := cl.c.AppsV1().Deployments("default").Get(cl.ctx, "db", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.UpdatedReplicas != 2 || got.Annotations[deployment.RevisionAnnotation] != "2" {
		t.Fatalf("status %+v annotations %v", got.Status, got.Annotations)
	}
}

func TestIntegrationScaleSubresource(t *testing.T) {
	cl := startCluster(t, 0)
	if _, err := cl.c.AppsV1().Deployments("default").Create(cl.ctx, newDeployment("api", 1, "whoami"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cl.waitRolledOut(t, "api")
	for _, n := range []int32{3, 0, 2} {
		if _, err := cl.c.AppsV1().Deployments("default").UpdateScale(cl.ctx, "api", &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "default"}, Spec: autoscalingv1.ScaleSpec{Replicas: n},
		}, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		cl.waitRolledOut(t, "api")
		eventually(t, 20*time.Second, fmt.Sprintf("%d pods", n), func() error {
			d, err := cl.c.AppsV1().Deployments("default").Get(cl.ctx, "api", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if d.Status.Replicas != n || d.Status.ReadyReplicas != n || d.Status.AvailableReplicas != n {
				return fmt.Errorf("status %+v", d.Status)
			}
			pods, err := cl.c.CoreV1().Pods("default").List(cl.ctx, metav1.ListOptions{LabelSelector: "app=api"})
			if err != nil {
				return err
			}
			if len(pods.Items) != int(n) {
				return fmt.Errorf("%d pods", len(pods.Items))
			}
			return nil
		})
		scale, err := cl.c.AppsV1().Deployments("default").GetScale(cl.ctx, "api", metav1.GetOptions{})
		if err != nil || scale.Status.Replicas != n || scale.Spec.Replicas != n {
			t.Fatalf("scale = %+v, %v", scale, err)
		}
	}
	rss, _ := cl.c.AppsV1().ReplicaSets("default").List(cl.ctx, metav1.ListOptions{LabelSelector: "app=api"})
	if len(rss.Items) != 1 {
		t.Fatalf("scaling made %d replicasets, want 1", len(rss.Items))
	}
}

func TestIntegrationRolloutConditions(t *testing.T) {
	cl := startCluster(t, 0)
	d := newDeployment("stuck", 2, neverReady)
	deadline := int32(2)
	d.Spec.ProgressDeadlineSeconds = &deadline
	if _, err := cl.c.AppsV1().Deployments("default").Create(cl.ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "waiting rollout status", func() error {
		msg, done, err := cl.rolloutStatus("stuck")
		if err != nil || done {
			return fmt.Errorf("status %q done %v err %v", msg, done, err)
		}
		if !strings.Contains(msg, `Waiting for deployment "stuck" rollout to finish: 0 of 2 updated replicas are available...`) {
			return fmt.Errorf("message %q", msg)
		}
		return nil
	})
	eventually(t, 20*time.Second, "progress deadline exceeded", func() error {
		_, _, err := cl.rolloutStatus("stuck")
		if err == nil || !strings.Contains(err.Error(), `deployment "stuck" exceeded its progress deadline`) {
			return fmt.Errorf("rollout status error = %v", err)
		}
		return nil
	})
	got, err := cl.c.AppsV1().Deployments("default").Get(cl.ctx, "stuck", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	conds := map[appsv1.DeploymentConditionType]appsv1.DeploymentCondition{}
	for _, c := range got.Status.Conditions {
		conds[c.Type] = c
	}
	if c := conds[appsv1.DeploymentProgressing]; c.Status != corev1.ConditionFalse || c.Reason != deployment.ReasonTimedOut ||
		!strings.HasSuffix(c.Message, "has timed out progressing.") {
		t.Errorf("Progressing = %+v", c)
	}
	if c := conds[appsv1.DeploymentAvailable]; c.Status != corev1.ConditionFalse || c.Reason != deployment.ReasonMinimumUnavailable {
		t.Errorf("Available = %+v", c)
	}
	if got.Status.UnavailableReplicas != 2 || got.Status.UpdatedReplicas != 2 {
		t.Errorf("status = %+v", got.Status)
	}

	// A fixed image makes progress again and completes the rollout.
	cl.setImage(t, "stuck", "nginx")
	cl.waitRolledOut(t, "stuck")
	got, _ = cl.c.AppsV1().Deployments("default").Get(cl.ctx, "stuck", metav1.GetOptions{})
	for _, c := range got.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && (c.Status != corev1.ConditionTrue || c.Reason != deployment.ReasonNewRSAvailable) {
			t.Errorf("Progressing after fix = %+v", c)
		}
	}
}

func TestIntegrationRevisionHistoryLimit(t *testing.T) {
	cl := startCluster(t, 0)
	d := newDeployment("hist", 1, "app:0")
	limit := int32(1)
	d.Spec.RevisionHistoryLimit = &limit
	if _, err := cl.c.AppsV1().Deployments("default").Create(cl.ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cl.waitRolledOut(t, "hist")
	for i := 1; i <= 3; i++ {
		cl.setImage(t, "hist", fmt.Sprintf("app:%d", i))
		eventually(t, 10*time.Second, "revision observed", func() error {
			got, err := cl.c.AppsV1().Deployments("default").Get(cl.ctx, "hist", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if got.Annotations[deployment.RevisionAnnotation] != fmt.Sprint(i+1) {
				return fmt.Errorf("revision %q", got.Annotations[deployment.RevisionAnnotation])
			}
			return nil
		})
		cl.waitRolledOut(t, "hist")
	}
	eventually(t, 20*time.Second, "old replicasets cleaned up", func() error {
		rss, err := cl.c.AppsV1().ReplicaSets("default").List(cl.ctx, metav1.ListOptions{LabelSelector: "app=hist"})
		if err != nil {
			return err
		}
		var revs []string
		for _, rs := range rss.Items {
			revs = append(revs, rs.Annotations[deployment.RevisionAnnotation])
		}
		if len(rss.Items) != 2 {
			return fmt.Errorf("revisions kept: %v, want the current one and 1 old", revs)
		}
		return nil
	})
}
