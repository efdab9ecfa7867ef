package printers

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Cell texts kubectl users know.
const (
	none    = "<none>"
	unknown = "<unknown>"
	unset   = "<unset>"
	pending = "<pending>"
)

// maxListed is how many addresses or ports a cell lists before it says
// "+ N more...".
const maxListed = 3

// Column types, as OpenAPI names them.
const (
	typeString  = "string"
	typeInteger = "integer"
)

// nameColumn is the NAME column that every table but Event's starts with.
func nameColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Name", Type: typeString, Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]}
}

// ageColumn is the AGE column.
func ageColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Age", Type: typeString, Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]}
}

// column is a column that kubectl always shows.
func column(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description}
}

// wideColumn is a column that kubectl shows only with -o wide.
func wideColumn(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Priority: 1, Description: description}
}

// containerColumns are the wide CONTAINERS and IMAGES columns of workloads.
func containerColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		wideColumn("Containers", typeString, "Names of each container in the template."),
		wideColumn("Images", typeString, "Images referenced by each container in the template."),
	}
}

// age is the time since ts in the human form of the AGE column, or
// <unknown> when ts is unset.
func age(ts metav1.Time, now time.Time) string {
	if ts.IsZero() {
		return unknown
	}
	return duration.HumanDuration(now.Sub(ts.Time))
}

// microAge is age for a MicroTime.
func microAge(ts metav1.MicroTime, now time.Time) string {
	if ts.IsZero() {
		return unknown
	}
	return duration.HumanDuration(now.Sub(ts.Time))
}

// containerCells joins the names and the images of containers with commas.
func containerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, len(containers))
	i := make([]string, len(containers))
	for k, c := range containers {
		n[k], i[k] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(i, ",")
}

// truncatedList collects up to maxListed values and counts them all.
type truncatedList struct {
	shown []string
	total int
}

// add counts v and keeps it if there is room.
func (l *truncatedList) add(v string) {
	if len(l.shown) < maxListed {
		l.shown = append(l.shown, v)
	}
	l.total++
}

// String joins the kept values and says how many more there were, as in
// "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...". It returns empty when there
// are no values.
func (l *truncatedList) String() string {
	s := strings.Join(l.shown, ",")
	if l.total > len(l.shown) {
		return fmt.Sprintf("%s + %d more...", s, l.total-len(l.shown))
	}
	return s
}

// deref returns *p, or zero when p is nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
