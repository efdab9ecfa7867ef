package printers

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// rowFunc turns one object into the cells (and conditions) of its row.
// The Generator fills in the row's Object itself.
type rowFunc func(obj runtime.Object, now time.Time) metav1.TableRow

// handler prints one Go type: the columns of its Table and its rows.
type handler struct {
	// typ is the pointer type the handler prints, or nil for the fallback,
	// which prints anything with ObjectMeta.
	typ     reflect.Type
	columns []metav1.TableColumnDefinition
	row     rowFunc
}

// Generator builds metav1.Table values for served objects, single or listed.
// It holds no mutable state after New returns, so one Generator may be
// shared by every request.
type Generator struct {
	byType   map[reflect.Type]*handler
	fallback *handler
}

// New returns a Generator that knows every type svcnet prints specially.
func New() *Generator {
	g := &Generator{
		byType:   make(map[reflect.Type]*handler),
		fallback: &handler{columns: objectMetaColumns(), row: objectMetaRow},
	}
	register(g, serviceColumns(), serviceRow)
	register(g, podColumns(), podRow)
	register(g, endpointsColumns(), endpointsRow)
	register(g, endpointSliceColumns(), endpointSliceRow)
	register(g, deploymentColumns(), deploymentRow)
	register(g, replicaSetColumns(), replicaSetRow)
	register(g, nodeColumns(), nodeRow)
	register(g, namespaceColumns(), namespaceRow)
	register(g, eventColumns(), coreEventRow)
	register(g, eventColumns(), eventsEventRow)
	register(g, configMapColumns(), configMapRow)
	register(g, leaseColumns(), leaseRow)
	register(g, serviceCIDRColumns(), serviceCIDRRow)
	register(g, ipAddressColumns(), ipAddressRow)
	return g
}

// register adds the handler for the pointer type T.
func register[T runtime.Object](g *Generator, columns []metav1.TableColumnDefinition, row func(T, time.Time) metav1.TableRow) {
	typ := reflect.TypeFor[T]()
	g.byType[typ] = &handler{
		typ:     typ,
		columns: columns,
		row: func(obj runtime.Object, now time.Time) metav1.TableRow {
			return row(obj.(T), now)
		},
	}
}

// Table returns the Table for obj, which is a single object (such as a
// *corev1.Service) or a list (such as a *corev1.ServiceList). now is the
// moment the AGE columns count from. The Table has one row per object, and
// each row's Object holds the original object. ListMeta is left empty.
func (g *Generator) Table(obj runtime.Object, now time.Time) (*metav1.Table, error) {
	if isNil(obj) {
		return nil, errors.New("printing table: nil object")
	}
	if h, ok := g.byType[reflect.TypeOf(obj)]; ok {
		return h.table([]runtime.Object{obj}, now), nil
	}
	if meta.IsListType(obj) {
		return g.listTable(obj, now)
	}
	if err := g.fallback.check(obj); err != nil {
		return nil, fmt.Errorf("printing table for %T: %w", obj, err)
	}
	return g.fallback.table([]runtime.Object{obj}, now), nil
}

// listTable prints every item of a list with the handler of its item type.
func (g *Generator) listTable(list runtime.Object, now time.Time) (*metav1.Table, error) {
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil, fmt.Errorf("printing table for %T: extracting items: %w", list, err)
	}
	h, ok := g.byType[listItemType(list)]
	if !ok {
		h = g.fallback
	}
	for i, item := range items {
		if err := h.check(item); err != nil {
			return nil, fmt.Errorf("printing table for %T: item %d: %w", list, i, err)
		}
	}
	return h.table(items, now), nil
}

// check reports whether the handler can print obj.
func (h *handler) check(obj runtime.Object) error {
	if isNil(obj) {
		return errors.New("nil object")
	}
	if h.typ != nil {
		if reflect.TypeOf(obj) != h.typ {
			return fmt.Errorf("got %T, want %v", obj, h.typ)
		}
		return nil
	}
	if _, err := meta.Accessor(obj); err != nil {
		return fmt.Errorf("reading object metadata: %w", err)
	}
	return nil
}

// table prints objs, which the caller has checked fit this handler.
func (h *handler) table(objs []runtime.Object, now time.Time) *metav1.Table {
	t := &metav1.Table{
		ColumnDefinitions: slices.Clone(h.columns),
		Rows:              make([]metav1.TableRow, 0, len(objs)),
	}
	for _, obj := range objs {
		row := h.row(obj, now)
		row.Object = runtime.RawExtension{Object: obj}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// listItemType returns the pointer type of a typed list's items (for
// *corev1.ServiceList, *corev1.Service), or nil when the list's items are
// not structs, as in unstructured lists.
func listItemType(list runtime.Object) reflect.Type {
	itemsPtr, err := meta.GetItemsPtr(list)
	if err != nil {
		return nil
	}
	t := reflect.TypeOf(itemsPtr)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Slice {
		return nil
	}
	elem := t.Elem().Elem()
	switch elem.Kind() {
	case reflect.Struct:
		return reflect.PointerTo(elem)
	case reflect.Pointer:
		return elem
	default:
		return nil
	}
}

// objectMetaColumns are the columns of objects without a printer of their own.
func objectMetaColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{nameColumn(), ageColumn()}
}

// objectMetaRow prints NAME and AGE from any object with ObjectMeta.
func objectMetaRow(obj runtime.Object, now time.Time) metav1.TableRow {
	m, err := meta.Accessor(obj)
	if err != nil {
		// Table checks every object before it prints; this cannot happen.
		return metav1.TableRow{Cells: []any{"", "<unknown>"}}
	}
	return metav1.TableRow{Cells: []any{m.GetName(), age(m.GetCreationTimestamp(), now)}}
}

// isNil reports whether obj is nil or a typed nil pointer.
func isNil(obj runtime.Object) bool {
	if obj == nil {
		return true
	}
	v := reflect.ValueOf(obj)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
