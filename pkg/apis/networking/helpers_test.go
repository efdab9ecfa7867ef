package networking

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// checkErrors compares rendered errors with want, in order.
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
