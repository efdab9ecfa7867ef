package envvars

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// masterServices are the default-namespace Services every pod sees, even
// with enableServiceLinks false.
var masterServices = map[string]bool{"kubernetes": true}

// IsServiceIPSet reports whether a Service has a cluster IP that env vars
// can name: not empty (ExternalName) and not None (headless).
func IsServiceIPSet(s *corev1.Service) bool {
	return s.Spec.ClusterIP != "" && s.Spec.ClusterIP != corev1.ClusterIPNone
}

// ForPod selects, from services (any namespaces), the ones whose variables
// a pod in namespace ns gets, as the kubelet does: the `kubernetes`
// Service of the default namespace always, and every Service of ns when
// enableServiceLinks is true (a Service of ns wins over a master Service of
// the same name). The result is sorted by name.
func ForPod(services []*corev1.Service, ns string, enableServiceLinks bool) []*corev1.Service {
	picked := map[string]*corev1.Service{}
	for _, s := range services {
		if !IsServiceIPSet(s) {
			continue
		}
		if s.Namespace == ns && enableServiceLinks {
			picked[s.Name] = s
			continue
		}
		if s.Namespace == metav1.NamespaceDefault && masterServices[s.Name] {
			if _, ok := picked[s.Name]; !ok {
				picked[s.Name] = s
			}
		}
	}
	out := make([]*corev1.Service, 0, len(picked))
	for _, s := range picked {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FromServices returns the variables of services, in the kubelet's order:
// per Service, the _SERVICE_ variables and then the Docker link variables.
// Services without a cluster IP or without ports are skipped.
func FromServices(services []*corev1.Service) []corev1.EnvVar {
	var result []corev1.EnvVar
	for _, s := range services {
		if !IsServiceIPSet(s) || len(s.Spec.Ports) == 0 {
			continue
		}
		prefix := makeEnvVariableName(s.Name)
		result = append(result, corev1.EnvVar{Name: prefix + "_SERVICE_HOST", Value: s.Spec.ClusterIP})
		portName := prefix + "_SERVICE_PORT"
		result = append(result, corev1.EnvVar{Name: portName, Value: strconv.Itoa(int(s.Spec.Ports[0].Port))})
		for _, sp := range s.Spec.Ports {
			if sp.Name != "" {
				result = append(result, corev1.EnvVar{Name: portName + "_" + makeEnvVariableName(sp.Name), Value: strconv.Itoa(int(sp.Port))})
			}
		}
		result = append(result, makeLinkVariables(s)...)
	}
	return result
}

func makeEnvVariableName(s string) string {
	return strings.ToUpper(strings.ReplaceAll(s, "-", "_"))
}

func makeLinkVariables(s *corev1.Service) []corev1.EnvVar {
	prefix := makeEnvVariableName(s.Name)
	var all []corev1.EnvVar
	for i, sp := range s.Spec.Ports {
		protocol := string(corev1.ProtocolTCP)
		if sp.Protocol != "" {
			protocol = string(sp.Protocol)
		}
		lower := strings.ToLower(protocol)
		hostPort := net.JoinHostPort(s.Spec.ClusterIP, strconv.Itoa(int(sp.Port)))
		url := fmt.Sprintf("%s://%s", lower, hostPort)
		if i == 0 {
			all = append(all, corev1.EnvVar{Name: prefix + "_PORT", Value: url})
		}
		portPrefix := fmt.Sprintf("%s_PORT_%d_%s", prefix, sp.Port, strings.ToUpper(protocol))
		all = append(all,
			corev1.EnvVar{Name: portPrefix, Value: url},
			corev1.EnvVar{Name: portPrefix + "_PROTO", Value: lower},
			corev1.EnvVar{Name: portPrefix + "_PORT", Value: strconv.Itoa(int(sp.Port))},
			corev1.EnvVar{Name: portPrefix + "_ADDR", Value: s.Spec.ClusterIP},
		)
	}
	return all
}
