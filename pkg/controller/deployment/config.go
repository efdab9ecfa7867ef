package deployment

import (
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
)

// Config configures a Deployment controller.
type Config struct {
	// Client writes ReplicaSets, Deployment status and events.
	Client kubernetes.Interface
	// Informers provides the Deployment, ReplicaSet and Pod caches. New
	// registers its handlers on it; the caller starts it.
	Informers informers.SharedInformerFactory
	// Logger receives the controller's logs; nil discards them.
	Logger *slog.Logger
	// Registerer, when set, receives the controller's metrics.
	Registerer prometheus.Registerer
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	var errs []error
	if c.Client == nil {
		errs = append(errs, errors.New("deployment: Client is required"))
	}
	if c.Informers == nil {
		errs = append(errs, errors.New("deployment: Informers is required"))
	}
	return errors.Join(errs...)
}
