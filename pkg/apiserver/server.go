package apiserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/version"

	"github.com/svcnet/svcnet/pkg/registry/generic"
)

// DefaultMaxRequestBodyBytes matches kube-apiserver's 3 MiB limit.
const DefaultMaxRequestBodyBytes = 3 << 20

// Resource is one served REST resource and its subresources.
type Resource struct {
	GroupVersion schema.GroupVersion
	Kind         string
	Plural       string
	Singular     string
	ShortNames   []string
	Categories   []string
	Namespaced   bool
	Registry     *generic.Registry
	// Status, if set, serves <resource>/status; the function validates a
	// status update (it may be a no-op).
	Status func(obj, old runtime.Object) field.ErrorList
	// Scale, if set, serves <resource>/scale as autoscaling/v1 Scale.
	Scale *ScaleAccessor
	// Subresources holds further subresources (binding, finalize, exec,
	// log...) by name.
	Subresources map[string]SubresourceHandler
}

// ScaleAccessor reads and writes the replica count behind a scale
// subresource.
type ScaleAccessor struct {
	// Get builds the Scale view of an object.
	Get func(obj runtime.Object) *autoscalingv1.Scale
	// Set writes spec.replicas into a copy of the object.
	Set func(obj runtime.Object, replicas int32)
}

// SubresourceHandler serves a custom subresource. Kind and Verbs are
// reported in discovery.
type SubresourceHandler struct {
	Kind    schema.GroupVersionKind
	Verbs   []string
	Handler func(sr *SubresourceRequest)
}

// NamespaceLifecycle checks that a namespace accepts new objects.
type NamespaceLifecycle interface {
	// Admit returns nil if objects may be created in namespace, or the API
	// error to return (404 for a missing namespace, 403 while it is being
	// terminated).
	Admit(ctx context.Context, namespace string) error
}

// TableConvertor renders objects as server-side Tables.
type TableConvertor interface {
	Table(obj runtime.Object, now time.Time) (*metav1.Table, error)
}

// Config configures a Server.
type Config struct {
	// Scheme holds every served type.
	Scheme *runtime.Scheme
	// Resources are the served resources.
	Resources []Resource
	// Tables renders kubectl's tables.
	Tables TableConvertor
	// Namespaces admits creates into namespaces; nil admits everything.
	Namespaces NamespaceLifecycle
	// Version is served at /version.
	Version version.Info
	// MaxRequestBodyBytes caps request bodies; 0 means the default.
	MaxRequestBodyBytes int64
	// ExternalAddress is advertised in /api's serverAddressByClientCIDRs.
	ExternalAddress string
	// Extra handlers (openapi, metrics, health) are installed on the mux.
	Extra map[string]http.Handler
	// Logger receives request errors.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Scheme == nil {
		return errors.New("apiserver: Scheme is required")
	}
	if c.Tables == nil {
		return errors.New("apiserver: Tables is required")
	}
	seen := map[string]bool{}
	for _, r := range c.Resources {
		k := r.GroupVersion.String() + "/" + r.Plural
		if seen[k] {
			return fmt.Errorf("apiserver: resource %s served twice", k)
		}
		seen[k] = true
		if r.Registry == nil {
			return fmt.Errorf("apiserver: resource %s has no registry", k)
		}
	}
	return nil
}

// Server is the API HTTP handler.
type Server struct {
	c         Config
	codecs    serializer.CodecFactory
	jsonInfo  runtime.SerializerInfo
	resources map[schema.GroupVersion]map[string]*Resource
	mux       *http.ServeMux
	log       *slog.Logger
}

// New builds a Server.
func New(c Config) (*Server, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.MaxRequestBodyBytes == 0 {
		c.MaxRequestBodyBytes = DefaultMaxRequestBodyBytes
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	s := &Server{
		c:         c,
		codecs:    serializer.NewCodecFactory(c.Scheme, serializer.EnableStrict),
		resources: map[schema.GroupVersion]map[string]*Resource{},
		mux:       http.NewServeMux(),
		log:       c.Logger,
	}
	for _, info := range s.codecs.SupportedMediaTypes() {
		if info.MediaType == runtime.ContentTypeJSON {
			s.jsonInfo = info
		}
	}
	for i := range c.Resources {
		r := &c.Resources[i]
		if s.resources[r.GroupVersion] == nil {
			s.resources[r.GroupVersion] = map[string]*Resource{}
		}
		s.resources[r.GroupVersion][r.Plural] = r
	}
	s.installDiscovery()
	s.mux.HandleFunc("/api/", s.serveResource)
	s.mux.HandleFunc("/apis/", s.serveResource)
	s.mux.HandleFunc("/version", s.serveVersion)
	for path, h := range c.Extra {
		s.mux.Handle(path, h)
	}
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) serveVersion(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, s.c.Version)
}
