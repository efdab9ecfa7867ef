package coordination

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func ptr[T any](v T) *T { return &v }

func checkErrors(t *testing.T, got field.ErrorList, want []string) {
	t.Helper()
	gotStrs := []string{}
	for _, e := range got {
		gotStrs = append(gotStrs, e.Error())
	}
	if want == nil {
		want = []string{}
	}
	if diff := cmp.Diff(want, gotStrs); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s\ngot:\n%s", diff, strings.Join(gotStrs, "\n"))
	}
}

func TestValidateLease(t *testing.T) {
	tests := []struct {
		name string
		spec coordinationv1.LeaseSpec
		ns   string
		want []string
	}{
		{name: "leader election lease", ns: "kube-system", spec: coordinationv1.LeaseSpec{
			HolderIdentity: ptr("server-1"), LeaseDurationSeconds: ptr(int32(15)), LeaseTransitions: ptr(int32(0)),
		}},
		{name: "custom strategy with preferred holder", ns: "kube-system", spec: coordinationv1.LeaseSpec{
			Strategy: ptr(coordinationv1.CoordinatedLeaseStrategy("svcnet.io/lowest-name")), PreferredHolder: ptr("node-1"),
		}},
		{
			name: "bad numbers",
			ns:   "kube-system",
			spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr(int32(0)), LeaseTransitions: ptr(int32(-1))},
			want: []string{
				"spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
				"spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
			},
		},
		{
			name: "unknown strategy",
			ns:   "kube-system",
			spec: coordinationv1.LeaseSpec{Strategy: ptr(coordinationv1.CoordinatedLeaseStrategy("Random"))},
			want: []string{`spec.strategy: Unsupported value: "Random": supported values: "OldestEmulationVersion"`},
		},
		{
			name: "preferredHolder without strategy",
			ns:   "kube-system",
			spec: coordinationv1.LeaseSpec{PreferredHolder: ptr("node-1")},
			want: []string{"spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined"},
		},
		{name: "namespace required", want: []string{"metadata.namespace: Required value"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "svcnet-controller", Namespace: tc.ns}, Spec: tc.spec}
			checkErrors(t, ValidateLease(lease), tc.want)
		})
	}
}

func TestValidateLeaseUpdate(t *testing.T) {
	old := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "svcnet-controller", Namespace: "kube-system", ResourceVersion: "1"},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr("server-1"), LeaseDurationSeconds: ptr(int32(15))}}
	lease := old.DeepCopy()
	lease.Spec.HolderIdentity = ptr("server-2")
	lease.Spec.LeaseTransitions = ptr(int32(1))
	checkErrors(t, ValidateLeaseUpdate(lease, old), nil)
	lease.Spec.LeaseDurationSeconds = ptr(int32(-5))
	checkErrors(t, ValidateLeaseUpdate(lease, old), []string{"spec.leaseDurationSeconds: Invalid value: -5: must be greater than 0"})
}
