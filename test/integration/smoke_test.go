package integration

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/svcnet/svcnet/pkg/server/servertest"
)

func TestSmokeCreateListWatch(t *testing.T) {
	ts := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	svcs := ts.Client.CoreV1().Services("default")
	list, err := svcs.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := svcs.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}}}
	created, err := svcs.Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if created.Spec.ClusterIP == "" || created.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Fatalf("not allocated/defaulted: %+v", created.Spec)
	}
	select {
	case ev := <-w.ResultChan():
		got := ev.Object.(*corev1.Service)
		if ev.Type != watch.Added || got.Name != "web" || got.ResourceVersion != created.ResourceVersion {
			t.Fatalf("unexpected event %s %s rv=%s", ev.Type, got.Name, got.ResourceVersion)
		}
	case <-ctx.Done():
		t.Fatal("no watch event")
	}
}
