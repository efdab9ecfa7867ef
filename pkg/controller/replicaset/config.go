package replicaset

import (
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
)

// DefaultBurstReplicas is the default for Config.BurstReplicas.
const DefaultBurstReplicas = 500

// Config configures a ReplicaSet controller.
type Config struct {
	// Client writes pods, ReplicaSet status and events.
	Client kubernetes.Interface
	// Informers provides the ReplicaSet and Pod caches. New registers its
	// handlers on it; the caller starts it.
	Informers informers.SharedInformerFactory
	// Logger receives the controller's logs; nil discards them.
	Logger *slog.Logger
	// BurstReplicas caps the pods created or deleted in one sync of one
	// ReplicaSet; 0 means DefaultBurstReplicas.
	BurstReplicas int
	// Registerer, when set, receives the controller's metrics.
	Registerer prometheus.Registerer
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	var errs []error
	if c.Client == nil {
		errs = append(errs, errors.New("replicaset: Client is required"))
	}
	if c.Informers == nil {
		errs = append(errs, errors.New("replicaset: Informers is required"))
	}
	if c.BurstReplicas < 0 {
		errs = append(errs, errors.New("replicaset: BurstReplicas must not be negative"))
	}
	return errors.Join(errs...)
}
