package printers

import (
	"reflect"
	"slices"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestTableRowObjects(t *testing.T) {
	list := &corev1.ServiceList{Items: []corev1.Service{
		svc("a", time.Minute, clusterIP("10.96.0.2")),
		svc("b", time.Minute, clusterIP("10.96.0.3")),
	}}
	tbl := table(t, list)
	if len(tbl.Rows) != 2 {
		t.Fatalf("got %d rows, want 2", len(tbl.Rows))
	}
	for i, row := range tbl.Rows {
		if row.Object.Object != &list.Items[i] {
			t.Errorf("row %d object = %p, want the list item %p", i, row.Object.Object, &list.Items[i])
		}
	}
	if !reflect.DeepEqual(tbl.ListMeta, metav1.ListMeta{}) {
		t.Errorf("ListMeta = %+v, want it left to the caller", tbl.ListMeta)
	}

	single := &list.Items[1]
	tbl = table(t, single)
	if len(tbl.Rows) != 1 || tbl.Rows[0].Object.Object != single || tbl.Rows[0].Cells[0] != "b" {
		t.Errorf("single object table rows = %+v", tbl.Rows)
	}
}

func TestEmptyListKeepsColumns(t *testing.T) {
	tbl := table(t, &corev1.PodList{})
	if got := columnNames(tbl); !slices.Equal(got, []string{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"}) {
		t.Errorf("columns = %v", got)
	}
	if tbl.Rows == nil || len(tbl.Rows) != 0 {
		t.Errorf("rows = %#v, want empty and non-nil", tbl.Rows)
	}
}

func TestColumnsAreNotShared(t *testing.T) {
	g := New()
	first, err := g.Table(&corev1.Namespace{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	first.ColumnDefinitions[0].Name = "Changed"
	second, err := g.Table(&corev1.Namespace{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if second.ColumnDefinitions[0].Name != "Name" {
		t.Errorf("a caller's change leaked into the next table: %q", second.ColumnDefinitions[0].Name)
	}
}

// TestEveryPrinterFitsItsColumns prints a zero object of every type with a
// printer: each row must have a cell per column, integer columns must hold
// int64, and every cell must be a string or an int64, which survive JSON.
func TestEveryPrinterFitsItsColumns(t *testing.T) {
	g := New()
	if len(g.byType) != 14 {
		t.Errorf("%d printers registered, want 14", len(g.byType))
	}
	for typ := range g.byType {
		t.Run(typ.String(), func(t *testing.T) {
			obj := reflect.New(typ.Elem()).Interface().(runtime.Object)
			tbl, err := g.Table(obj, testNow)
			if err != nil {
				t.Fatal(err)
			}
			cells := tbl.Rows[0].Cells
			if len(cells) != len(tbl.ColumnDefinitions) {
				t.Fatalf("%d cells for %d columns", len(cells), len(tbl.ColumnDefinitions))
			}
			for i, c := range tbl.ColumnDefinitions {
				if c.Description == "" {
					t.Errorf("column %q has no description", c.Name)
				}
				switch cells[i].(type) {
				case string:
					if c.Type == typeInteger {
						t.Errorf("integer column %q holds a string", c.Name)
					}
				case int64:
				default:
					t.Errorf("column %q holds %T", c.Name, cells[i])
				}
			}
		})
	}
}

func TestWideColumns(t *testing.T) {
	tests := []struct {
		obj  runtime.Object
		wide []string
	}{
		{&corev1.Service{}, []string{"Selector"}},
		{&corev1.Pod{}, []string{"IP", "Node", "Nominated Node", "Readiness Gates"}},
		{&corev1.Node{}, []string{"Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"}},
		{&corev1.Event{}, []string{"Subobject", "Source", "First Seen", "Count", "Name"}},
		{&corev1.Endpoints{}, nil},
		{&coordinationv1.Lease{}, nil},
		{&corev1.Secret{}, nil},
	}
	for _, tt := range tests {
		t.Run(reflect.TypeOf(tt.obj).String(), func(t *testing.T) {
			var wide []string
			for _, c := range table(t, tt.obj).ColumnDefinitions {
				switch c.Priority {
				case 0:
				case 1:
					wide = append(wide, c.Name)
				default:
					t.Errorf("column %q has priority %d", c.Name, c.Priority)
				}
			}
			if !slices.Equal(wide, tt.wide) {
				t.Errorf("wide columns = %v, want %v", wide, tt.wide)
			}
		})
	}
}

func TestFallback(t *testing.T) {
	secret := corev1.Secret{ObjectMeta: objMeta("token", 3*time.Hour)}
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("example.com/v1")
	u.SetKind("Widget")
	u.SetName("w1")
	u.SetCreationTimestamp(ago(45 * time.Second))
	ul := &unstructured.UnstructuredList{Items: []unstructured.Unstructured{*u}}
	pom := &metav1.PartialObjectMetadataList{Items: []metav1.PartialObjectMetadata{{ObjectMeta: objMeta("p", 10*time.Minute)}}}
	anyList := &metav1.List{Items: []runtime.RawExtension{{Object: &secret}}}

	tests := []struct {
		name string
		obj  runtime.Object
		want string
	}{
		{"typed object", &secret, lines("NAME    AGE", "token   3h")},
		{"typed list", &corev1.SecretList{Items: []corev1.Secret{secret}}, lines("NAME    AGE", "token   3h")},
		{"unstructured object", u, lines("NAME   AGE", "w1     45s")},
		{"unstructured list", ul, lines("NAME   AGE", "w1     45s")},
		{"partial object metadata", pom, lines("NAME   AGE", "p      10m")},
		{"list of raw objects", anyList, lines("NAME    AGE", "token   3h")},
		{"no creation time", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "new"}}, lines("NAME   AGE", "new    <unknown>")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRender(t, tt.obj, true, tt.want)
		})
	}
}

func TestTableErrors(t *testing.T) {
	tests := []struct {
		name string
		obj  runtime.Object
	}{
		{"nil", nil},
		{"typed nil", (*corev1.Service)(nil)},
		{"typed nil of a fallback type", (*corev1.Secret)(nil)},
		{"object without metadata", &metav1.Status{}},
		{"list item without metadata", &metav1.List{Items: []runtime.RawExtension{{Object: &metav1.Status{}}}}},
		{"empty list item", &metav1.List{Items: []runtime.RawExtension{{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tbl, err := New().Table(tt.obj, testNow); err == nil {
				t.Errorf("Table() = %+v, want an error", tbl)
			}
		})
	}
}

func columnNames(tbl *metav1.Table) []string {
	names := make([]string, len(tbl.ColumnDefinitions))
	for i, c := range tbl.ColumnDefinitions {
		names[i] = c.Name
	}
	return names
}
