package replicaset_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/svcnet/svcnet/pkg/controller/replicaset"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

// startController runs a ReplicaSet controller against a fresh control plane.
func startController(t *testing.T) (context.Context, kubernetes.Interface) {
	t.Helper()
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(ts.Client, 0)
	ctl, err := replicaset.New(replicaset.Config{Client: ts.Client, Informers: factory})
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); ctl.Run(ctx, 2) }()
	t.Cleanup(func() {
		cancel()
		<-done
		factory.Shutdown()
	})
	return ctx, ts.Client
}

// fakeKubelet plays every node's agent: it binds unscheduled pods to
// node1, marks them Running and Ready with an IP, and finishes the deletion
// of terminating pods. It stops when ctx ends.
func fakeKubelet(ctx context.Context, t *testing.T, c kubernetes.Interface) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	wg.Go(func() {
		ip := 10
		for ctx.Err() == nil {
			pods, err := c.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
			if err != nil {
				continue
			}
			for i := range pods.Items {
				p := &pods.Items[i]
				switch {
				case p.DeletionTimestamp != nil:
					_ = c.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, *metav1.NewDeleteOptions(0))
				case p.Spec.NodeName == "":
					_ = c.CoreV1().Pods(p.Namespace).Bind(ctx, &corev1.Binding{
						ObjectMeta: metav1.ObjectMeta{Name: p.Name},
						Target:     corev1.ObjectReference{Kind: "Node", Name: "node1"},
					}, metav1.CreateOptions{})
				case p.Status.Phase != corev1.PodRunning:
					ip++
					p.Status.Phase = corev1.PodRunning
					p.Status.PodIP = fmt.Sprintf("10.244.0.%d", ip)
					p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{
						Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now(),
					})
					_, _ = c.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(30 * time.Millisecond):
			}
		}
	})
}

func newRS(name string, replicas int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
			},
		},
	}
}

// eventually polls cond until it returns nil or 30s pass.
func eventually(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
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

// activePods lists the non-terminating pods a ReplicaSet controls.
func activePods(ctx context.Context, c kubernetes.Interface, rs *appsv1.ReplicaSet) ([]corev1.Pod, error) {
	list, err := c.CoreV1().Pods(rs.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.UID == rs.UID && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

func wantStatus(ctx context.Context, c kubernetes.Interface, name string, replicas, ready int32) func() error {
	return func() error {
		rs, err := c.AppsV1().ReplicaSets("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		st := rs.Status
		if st.Replicas != replicas || st.ReadyReplicas != ready || st.AvailableReplicas != ready ||
			st.FullyLabeledReplicas != replicas || st.ObservedGeneration != rs.Generation {
			return fmt.Errorf("status %+v (generation %d), want replicas %d ready %d", st, rs.Generation, replicas, ready)
		}
		pods, err := activePods(ctx, c, rs)
		if err != nil {
			return err
		}
		if len(pods) != int(replicas) {
			return fmt.Errorf("%d active pods, want %d", len(pods), replicas)
		}
		return nil
	}
}

// countCreations counts pods ever added in the namespace.
func countCreations(ctx context.Context, t *testing.T, c kubernetes.Interface) func() int {
	w, err := c.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	go func() {
		for ev := range w.ResultChan() {
			if ev.Type == watch.Added {
				mu.Lock()
				n++
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(w.Stop)
	return func() int { mu.Lock(); defer mu.Unlock(); return n }
}

func TestIntegrationCreateScaleDelete(t *testing.T) {
	ctx, c := startController(t)
	created := countCreations(ctx, t, c)
	fakeKubelet(ctx, t, c)

	rs, err := c.AppsV1().ReplicaSets("default").Create(ctx, newRS("web", 3), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "3 ready replicas", wantStatus(ctx, c, "web", 3, 3))
	pods, _ := activePods(ctx, c, rs)
	for _, p := range pods {
		ref := metav1.GetControllerOf(&p)
		if !strings.HasPrefix(p.Name, "web-") || p.GenerateName != "web-" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("pod %s: generateName %q, ref %+v", p.Name, p.GenerateName, ref)
		}
	}
	eventually(t, "SuccessfulCreate events", func() error {
		evs, err := c.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		n := 0
		for _, e := range evs.Items {
			if e.InvolvedObject.UID == rs.UID && e.Reason == "SuccessfulCreate" && strings.HasPrefix(e.Message, "Created pod: web-") {
				n += int(e.Count)
			}
		}
		if n != 3 {
			return fmt.Errorf("%d SuccessfulCreate events, want 3", n)
		}
		return nil
	})

	// Scale up and down through the scale subresource.
	for _, n := range []int32{5, 1} {
		if _, err := c.AppsV1().ReplicaSets("default").UpdateScale(ctx, "web", &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: autoscalingv1.ScaleSpec{Replicas: n},
		}, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, fmt.Sprintf("%d ready replicas", n), wantStatus(ctx, c, "web", n, n))
	}
	if got := created(); got != 5 {
		t.Errorf("%d pods created in all, want exactly 5 (3, then 2 more)", got)
	}

	// A deleted pod is replaced.
	pods, _ = activePods(ctx, c, rs)
	if err := c.CoreV1().Pods("default").Delete(ctx, pods[0].Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "replacement pod", func() error {
		if err := wantStatus(ctx, c, "web", 1, 1)(); err != nil {
			return err
		}
		if got := created(); got != 6 {
			return fmt.Errorf("%d created, want 6", got)
		}
		return nil
	})
}

func TestIntegrationAdoptAndRelease(t *testing.T) {
	ctx, c := startController(t)
	fakeKubelet(ctx, t, c)
	orphan := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "orphan", Namespace: "default", Labels: map[string]string{"app": "api"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
	}
	if _, err := c.CoreV1().Pods("default").Create(ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rs, err := c.AppsV1().ReplicaSets("default").Create(ctx, newRS("api", 2), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "2 ready replicas", wantStatus(ctx, c, "api", 2, 2))
	p, err := c.CoreV1().Pods("default").Get(ctx, "orphan", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := metav1.GetControllerOf(p); ref == nil || ref.UID != rs.UID {
		t.Fatalf("orphan not adopted: %+v", p.OwnerReferences)
	}

	// Relabel the adopted pod: the ReplicaSet lets go of it and replaces it.
	p.Labels = map[string]string{"app": "debug"}
	if _, err := c.CoreV1().Pods("default").Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "pod released", func() error {
		p, err := c.CoreV1().Pods("default").Get(ctx, "orphan", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(p.OwnerReferences) != 0 {
			return fmt.Errorf("still owned: %+v", p.OwnerReferences)
		}
		return nil
	})
	eventually(t, "replacement", wantStatus(ctx, c, "api", 2, 2))
}
