package agent

import (
	"fmt"
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// hostPorts tracks which pod on the node holds each hostPort.
//
// A pod whose hostPort another pod on the node already holds is not
// started: it stays Pending and its containers wait with reason
// HostPortConflict, and it starts once the port is free. (The kubelet
// instead rejects such a pod at admission, turning it Failed with reason
// NodePorts; the scheduler normally prevents that, and a Pending pod that
// recovers by itself is kinder in a small lab.)
type hostPorts struct {
	mu     sync.Mutex
	holder map[string]string // "tcp/8080" -> pod UID
	names  map[string]string // pod UID -> ns/name, for messages
}

func newHostPorts() *hostPorts {
	return &hostPorts{holder: map[string]string{}, names: map[string]string{}}
}

// podHostPorts lists a pod's hostPorts as "PROTO/port" ("TCP/8080"),
// sorted, as runtime.SandboxConfig.HostPorts wants them.
func podHostPorts(pod *corev1.Pod) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			proto := p.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			k := fmt.Sprintf("%s/%d", string(proto), p.HostPort)
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// admit reserves a pod's hostPorts; when one is held by another pod it
// reserves nothing and explains the conflict.
func (h *hostPorts) admit(pod *corev1.Pod) string {
	ports := podHostPorts(pod)
	uid := string(pod.UID)
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range ports {
		if other, ok := h.holder[p]; ok && other != uid {
			return fmt.Sprintf("hostPort %s is already in use by pod %s on this node", p, h.names[other])
		}
	}
	for _, p := range ports {
		h.holder[p] = uid
	}
	if len(ports) > 0 {
		h.names[uid] = pod.Namespace + "/" + pod.Name
	}
	return ""
}

// release frees a pod's hostPorts.
func (h *hostPorts) release(uid string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for p, holder := range h.holder {
		if holder == uid {
			delete(h.holder, p)
		}
	}
	delete(h.names, uid)
}
