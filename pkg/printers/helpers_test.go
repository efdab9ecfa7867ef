package printers

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	cliprinters "k8s.io/cli-runtime/pkg/printers"
)

// testNow is the moment every test's AGE columns count from.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// ago is a timestamp d before testNow.
func ago(d time.Duration) metav1.Time {
	return metav1.NewTime(testNow.Add(-d))
}

// objMeta is ObjectMeta with a name, created d before testNow.
func objMeta(name string, d time.Duration) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(d)}
}

// lines joins want lines the way the table printer ends them.
func lines(ls ...string) string {
	return strings.Join(ls, "\n") + "\n"
}

// table builds the Table for obj and fails the test on error.
func table(t *testing.T, obj runtime.Object) *metav1.Table {
	t.Helper()
	tbl, err := New().Table(obj, testNow)
	if err != nil {
		t.Fatalf("Table(%T): %v", obj, err)
	}
	return tbl
}

// render prints obj's Table as `kubectl get` (or `kubectl get -o wide`)
// would: the Table goes through JSON, as it does on the wire, and then
// through kubectl's own table printer.
func render(t *testing.T, obj runtime.Object, wide bool) string {
	t.Helper()
	tbl := table(t, obj)
	for i := range tbl.Rows {
		// The API server replaces the object before it encodes the Table.
		tbl.Rows[i].Object = runtime.RawExtension{}
	}
	data, err := json.Marshal(tbl)
	if err != nil {
		t.Fatalf("encoding table: %v", err)
	}
	var decoded metav1.Table
	if err := utiljson.Unmarshal(data, &decoded); err != nil {
		t.Fatalf("decoding table: %v", err)
	}
	var buf bytes.Buffer
	if err := cliprinters.NewTablePrinter(cliprinters.PrintOptions{Wide: wide}).PrintObj(&decoded, &buf); err != nil {
		t.Fatalf("printing table: %v", err)
	}
	return buf.String()
}

// checkRender compares rendered output with want and shows both on mismatch.
func checkRender(t *testing.T, obj runtime.Object, wide bool, want string) {
	t.Helper()
	if got := render(t, obj, wide); got != want {
		t.Errorf("kubectl output mismatch (wide=%v)\ngot:\n%s\nwant:\n%s", wide, got, want)
	}
}

// cells returns the cells of the single row of obj's Table, by upper-case
// column name.
func cells(t *testing.T, obj runtime.Object) map[string]any {
	t.Helper()
	tbl := table(t, obj)
	if len(tbl.Rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(tbl.Rows))
	}
	m := make(map[string]any)
	for i, c := range tbl.ColumnDefinitions {
		m[strings.ToUpper(c.Name)] = tbl.Rows[0].Cells[i]
	}
	return m
}

// checkCells compares the named cells of obj's row with want.
func checkCells(t *testing.T, obj runtime.Object, want map[string]any) {
	t.Helper()
	got := cells(t, obj)
	for col, w := range want {
		g, ok := got[col]
		if !ok {
			t.Errorf("no column %q", col)
			continue
		}
		if g != w {
			t.Errorf("%s = %#v, want %#v", col, g, w)
		}
	}
}
