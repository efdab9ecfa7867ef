package agent

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/svcnet/svcnet/pkg/workload"
)

// WorkloadResolver maps a container image to a built-in workload
// (pkg/workload provides one; see WorkloadFuncs).
type WorkloadResolver interface {
	// Lookup returns the built-in workload an image (with the container's
	// command and args) names.
	Lookup(image string, args []string) (name string, ok bool)
	// Names lists the built-in workloads, for error messages.
	Names() []string
}

// BuiltinWorkloads resolves images with pkg/workload, the workloads the
// svcnet binary runs as `svcnet workload <name>`.
var BuiltinWorkloads WorkloadResolver = WorkloadFuncs{LookupFunc: workload.Lookup, NamesFunc: workload.Names}

// WorkloadFuncs adapts two functions, such as workload.Lookup and
// workload.Names, to a WorkloadResolver.
type WorkloadFuncs struct {
	LookupFunc func(image string, args []string) (string, bool)
	NamesFunc  func() []string
}

// Lookup implements WorkloadResolver.
func (w WorkloadFuncs) Lookup(image string, args []string) (string, bool) {
	if w.LookupFunc == nil {
		return "", false
	}
	return w.LookupFunc(image, args)
}

// Names implements WorkloadResolver.
func (w WorkloadFuncs) Names() []string {
	if w.NamesFunc == nil {
		return nil
	}
	return w.NamesFunc()
}

// Waiting reasons the agent reports besides the kubelet's usual ones.
const (
	// ReasonErrImagePull: the image is not a built-in workload and the
	// container has no command.
	ReasonErrImagePull = "ErrImagePull"
	// ReasonHostPortConflict: another pod on the node holds a hostPort.
	ReasonHostPortConflict = "HostPortConflict"
	// ReasonCreateContainerConfigError: the environment could not be
	// built (a missing ConfigMap or key).
	ReasonCreateContainerConfigError = "CreateContainerConfigError"
	// ReasonRunContainerError: the runtime failed to start the process.
	ReasonRunContainerError = "RunContainerError"
	// ReasonCrashLoopBackOff: the container exited and waits to restart.
	ReasonCrashLoopBackOff = "CrashLoopBackOff"
	// ReasonContainerCreating: the sandbox is being set up.
	ReasonContainerCreating = "ContainerCreating"
)

// launch is how a container runs.
type launch struct {
	Argv    []string
	ImageID string
}

// containerLaunch decides how a container runs: a built-in workload when
// the image names one (argv: svcnet workload <name> --port P ... <command
// and args>), else its command and args from the node's filesystem. With
// neither, it returns an ErrImagePull message. command and args are
// already $(VAR)-expanded.
func containerLaunch(wr WorkloadResolver, binary string, c *corev1.Container, command, args []string) (launch, string) {
	all := append(append([]string(nil), command...), args...)
	if wr != nil {
		if name, ok := wr.Lookup(c.Image, all); ok {
			ports := make([]int32, 0, len(c.Ports))
			for _, p := range c.Ports {
				ports = append(ports, p.ContainerPort)
			}
			argv := append([]string{binary, "workload"}, workload.Argv(name, ports, all)...)
			return launch{Argv: argv, ImageID: "svcnet://workload/" + name}, ""
		}
	}
	if len(all) > 0 {
		return launch{Argv: all, ImageID: "svcnet://command"}, ""
	}
	var names []string
	if wr != nil {
		names = wr.Names()
	}
	return launch{}, fmt.Sprintf("image %s is not a built-in workload (built-in: %s)", c.Image, strings.Join(names, ", "))
}
