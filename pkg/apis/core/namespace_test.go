package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDefaultNamespace(t *testing.T) {
	tests := []struct {
		name           string
		in             corev1.Namespace
		create         bool
		wantLabels     map[string]string
		wantFinalizers []corev1.FinalizerName
		wantPhase      corev1.NamespacePhase
	}{{
		name:           "create",
		in:             corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}},
		create:         true,
		wantLabels:     map[string]string{"kubernetes.io/metadata.name": "team-a"},
		wantFinalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes},
		wantPhase:      corev1.NamespaceActive,
	}, {
		name: "create keeps other finalizers and resets status",
		in: corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: map[string]string{"env": "dev"}},
			Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"example.com/cleanup"}},
			Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
		},
		create:         true,
		wantLabels:     map[string]string{"env": "dev", "kubernetes.io/metadata.name": "team-a"},
		wantFinalizers: []corev1.FinalizerName{"example.com/cleanup", corev1.FinalizerKubernetes},
		wantPhase:      corev1.NamespaceActive,
	}, {
		name: "update after finalization does not add the finalizer back",
		in: corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: "team-a"},
			Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
		},
		wantLabels: map[string]string{"kubernetes.io/metadata.name": "team-a"},
		wantPhase:  corev1.NamespaceTerminating,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ns := tc.in.DeepCopy()
			if tc.create {
				PrepareNamespaceForCreate(ns)
			}
			DefaultNamespace(ns)
			if diff := cmp.Diff(tc.wantLabels, ns.Labels); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantFinalizers, ns.Spec.Finalizers); diff != "" {
				t.Errorf("finalizers (-want +got):\n%s", diff)
			}
			if ns.Status.Phase != tc.wantPhase {
				t.Errorf("phase = %q, want %q", ns.Status.Phase, tc.wantPhase)
			}
		})
	}
}

func TestValidateNamespace(t *testing.T) {
	tests := []struct {
		name string
		ns   corev1.Namespace
		want []string
	}{
		{name: "valid", ns: corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"},
			Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes", "example.com/x"}}}},
		{
			name: "name must be a DNS label",
			ns:   corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team.a"}},
			want: []string{`metadata.name: Invalid value: "team.a": must not contain dots`},
		},
		{
			name: "namespaces have no namespace",
			ns:   corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Namespace: "default"}},
			want: []string{"metadata.namespace: Forbidden: not allowed on this type"},
		},
		{
			name: "unknown unqualified finalizer",
			ns:   corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"cleanup"}}},
			want: []string{`spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, ValidateNamespace(&tc.ns), tc.want)
		})
	}
}

func TestValidateNamespaceStatusUpdate(t *testing.T) {
	now := metav1.Now()
	old := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", ResourceVersion: "2"}}
	tests := []struct {
		name     string
		deleting bool
		phase    corev1.NamespacePhase
		want     []string
	}{
		{name: "active", phase: corev1.NamespaceActive},
		{name: "terminating while deleting", deleting: true, phase: corev1.NamespaceTerminating},
		{
			name:  "terminating without deletion",
			phase: corev1.NamespaceTerminating,
			want:  []string{"status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty"},
		},
		{
			name:     "active while deleting",
			deleting: true,
			phase:    corev1.NamespaceActive,
			want:     []string{"status.Phase: Invalid value: \"Active\": may only be 'Terminating' if `deletionTimestamp` is not empty"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ns := old.DeepCopy()
			oldNs := old.DeepCopy()
			if tc.deleting {
				ns.DeletionTimestamp = &now
				oldNs.DeletionTimestamp = &now
			}
			ns.Status.Phase = tc.phase
			checkErrors(t, ValidateNamespaceStatusUpdate(ns, oldNs), tc.want)
		})
	}
}

func TestValidateNamespaceFinalizeUpdate(t *testing.T) {
	old := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", ResourceVersion: "2"},
		Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}}}
	ns := old.DeepCopy()
	ns.Spec.Finalizers = nil
	checkErrors(t, ValidateNamespaceFinalizeUpdate(ns, old), nil)
	ns.Spec.Finalizers = []corev1.FinalizerName{"bogus"}
	checkErrors(t, ValidateNamespaceFinalizeUpdate(ns, old), []string{
		`spec.finalizers[0]: Invalid value: "bogus": name is neither a standard finalizer name nor is it fully qualified`,
	})
	ns.Name = "team-b"
	ns.Spec.Finalizers = nil
	checkErrors(t, ValidateNamespaceUpdate(ns, old), []string{`metadata.name: Invalid value: "team-b": field is immutable`})
}
