package core

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// checkErrors compares the rendered errors (field path, type, value and
// detail, exactly as kube-apiserver prints them in a 422) with want, in order.
func checkErrors(t *testing.T, got field.ErrorList, want []string) {
	t.Helper()
	gotStrs := make([]string, 0, len(got))
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

// checkErrorPrefixes is checkErrors for errors whose detail is a long
// library message: each want entry must be a prefix of the error at its index.
func checkErrorPrefixes(t *testing.T, got field.ErrorList, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d errors %v, want %d with prefixes %q", len(got), got, len(want), want)
	}
	for i, e := range got {
		if !strings.HasPrefix(e.Error(), want[i]) {
			t.Errorf("error %d = %q, want prefix %q", i, e.Error(), want[i])
		}
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
