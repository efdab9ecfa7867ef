package deployment

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestResolveFenceposts(t *testing.T) {
	tests := []struct {
		name                   string
		surge, unavailable     intstr.IntOrString
		desired                int32
		wantSurge, wantUnavail int32
	}{
		{"25% of 10: surge rounds up, unavailable down", intstr.FromString("25%"), intstr.FromString("25%"), 10, 3, 2},
		{"25% of 1", intstr.FromString("25%"), intstr.FromString("25%"), 1, 1, 0},
		{"25% of 4", intstr.FromString("25%"), intstr.FromString("25%"), 4, 1, 1},
		{"both zero allow one unavailable", intstr.FromInt32(0), intstr.FromString("0%"), 5, 0, 1},
		{"absolute numbers", intstr.FromInt32(2), intstr.FromInt32(1), 10, 2, 1},
		{"100%", intstr.FromString("100%"), intstr.FromString("100%"), 3, 3, 3},
		{"zero replicas", intstr.FromString("25%"), intstr.FromString("25%"), 0, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, u := resolveFenceposts(&tc.surge, &tc.unavailable, tc.desired)
			if s != tc.wantSurge || u != tc.wantUnavail {
				t.Fatalf("fenceposts = %d,%d; want %d,%d", s, u, tc.wantSurge, tc.wantUnavail)
			}
		})
	}
}

func TestMaxUnavailableCapped(t *testing.T) {
	d := withDefaults(rolling(testDeployment(2, "nginx"), intstr.FromInt32(0), intstr.FromInt32(5)))
	if got := maxUnavailable(d); got != 2 {
		t.Fatalf("maxUnavailable = %d, want 2 (capped at replicas)", got)
	}
	recreate := withDefaults(testDeployment(3, "nginx"))
	recreate.Spec.Strategy.Type = "Recreate"
	if maxSurge(recreate) != 0 || maxUnavailable(recreate) != 0 {
		t.Fatal("Recreate has no surge or unavailability budget")
	}
}

func TestComputeHash(t *testing.T) {
	d := testDeployment(1, "nginx")
	h1 := ComputeHash(&d.Spec.Template, nil)
	if h1 != ComputeHash(d.DeepCopy().Spec.Template.DeepCopy(), nil) {
		t.Fatal("hash is not stable")
	}
	if len(h1) < 8 || len(h1) > 10 {
		t.Fatalf("hash %q has an unusual length", h1)
	}
	for _, r := range h1 {
		if r == 'a' || r == 'e' || r == 'i' || r == 'o' || r == 'u' {
			t.Fatalf("hash %q contains a vowel", h1)
		}
	}
	changed := d.DeepCopy()
	changed.Spec.Template.Spec.Containers[0].Image = "httpd"
	if ComputeHash(&changed.Spec.Template, nil) == h1 {
		t.Fatal("different templates share a hash")
	}
	one := int32(1)
	if ComputeHash(&d.Spec.Template, &one) == h1 {
		t.Fatal("collision count does not change the hash")
	}
}

func TestEqualIgnoreHash(t *testing.T) {
	d := testDeployment(1, "nginx")
	rs := newReplicaSet(withDefaults(d))
	if !equalIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
		t.Fatal("template with hash label differs from the deployment's")
	}
	if rs.Spec.Template.Labels[PodTemplateHashLabel] == "" || d.Spec.Template.Labels[PodTemplateHashLabel] != "" {
		t.Fatal("hash label missing, or leaked into the deployment")
	}
	other := rs.Spec.Template.DeepCopy()
	other.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "X", Value: "1"}}
	if equalIgnoreHash(other, &d.Spec.Template) {
		t.Fatal("different templates compare equal")
	}
}

func TestNewReplicaSet(t *testing.T) {
	d := withDefaults(testDeployment(2, "httpd"))
	d.Spec.MinReadySeconds = 5
	rs := newReplicaSet(d)
	hash := ComputeHash(&d.Spec.Template, nil)
	if rs.Name != "web-"+hash || rs.Labels[PodTemplateHashLabel] != hash ||
		rs.Spec.Selector.MatchLabels[PodTemplateHashLabel] != hash || rs.Spec.Selector.MatchLabels["app"] != "web" ||
		rs.Spec.Template.Labels[PodTemplateHashLabel] != hash || rs.Spec.MinReadySeconds != 5 {
		t.Fatalf("replicaset = %+v", rs)
	}
	if ref := rs.OwnerReferences[0]; ref.Kind != "Deployment" || ref.UID != d.UID || !*ref.Controller || !*ref.BlockOwnerDeletion {
		t.Fatalf("owner = %+v", ref)
	}
}

func TestSetNewReplicaSetAnnotations(t *testing.T) {
	d := withDefaults(testDeployment(4, "nginx"))
	d.Annotations = map[string]string{"kubernetes.io/change-cause": "image bump", lastAppliedAnnotation: "{}", RevisionAnnotation: "9"}
	rs := newReplicaSet(d)
	if !setNewReplicaSetAnnotations(d, rs, 3, false) {
		t.Fatal("no change reported")
	}
	want := map[string]string{"kubernetes.io/change-cause": "image bump", RevisionAnnotation: "3",
		DesiredReplicasAnnotation: "4", MaxReplicasAnnotation: "5"}
	for k, v := range want {
		if rs.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, rs.Annotations[k], v)
		}
	}
	if _, ok := rs.Annotations[lastAppliedAnnotation]; ok {
		t.Error("last-applied-configuration copied")
	}
	// A rollback makes an old ReplicaSet new again: its revision moves up
	// and the old one goes to the history.
	if !setNewReplicaSetAnnotations(d, rs, 5, true) || rs.Annotations[RevisionAnnotation] != "5" || rs.Annotations[RevisionHistoryAnnotation] != "3" {
		t.Fatalf("annotations after rollback = %v", rs.Annotations)
	}
	if setNewReplicaSetAnnotations(d, rs, 5, true) {
		t.Fatal("idempotent call reported a change")
	}
}
