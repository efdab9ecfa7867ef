package scheduler

import (
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
)

// DefaultSchedulerName is the spec.schedulerName the scheduler serves unless
// configured otherwise. Pods with an empty schedulerName are served too.
const DefaultSchedulerName = "default-scheduler"

// Config configures a scheduler.
type Config struct {
	// Client binds pods, writes their PodScheduled condition and events.
	Client kubernetes.Interface
	// Informers provides the Pod and Node caches. New registers its handlers
	// on it; the caller starts it.
	Informers informers.SharedInformerFactory
	// Logger receives the scheduler's logs; nil discards them.
	Logger *slog.Logger
	// SchedulerName is the spec.schedulerName this scheduler serves; empty
	// means DefaultSchedulerName.
	SchedulerName string
	// Registerer, when set, receives the scheduler's metrics.
	Registerer prometheus.Registerer
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	var errs []error
	if c.Client == nil {
		errs = append(errs, errors.New("scheduler: Client is required"))
	}
	if c.Informers == nil {
		errs = append(errs, errors.New("scheduler: Informers is required"))
	}
	return errors.Join(errs...)
}
