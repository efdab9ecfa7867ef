package agent

import (
	"net/netip"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// podRecord is what the agent remembers of a pod between syncs (the
// runtime remembers the processes; the API remembers the status). Only the
// pod's queue worker touches it, and the queue never hands one pod to two
// workers at once.
type podRecord struct {
	startTime  time.Time
	podIP      netip.Addr
	containers map[string]*containerRecord
	// lastSent is the last status written and lastStored what the API
	// stored from it: when the computed status is lastSent and the pod
	// still shows lastStored, nothing is written again, even if the
	// server normalised something.
	lastSent, lastStored *corev1.PodStatus
}

// containerRecord is a container's history.
type containerRecord struct {
	restartCount   int32
	lastTerminated *corev1.ContainerStateTerminated
	waitingReason  string
	waitingMessage string
	imageID        string
	// handledRun is the StartedAt of the last exited run already counted
	// as a restart, so that a failed restart is not counted twice.
	handledRun time.Time
}

func (r *podRecord) container(name string) *containerRecord {
	if r.containers == nil {
		r.containers = map[string]*containerRecord{}
	}
	cr, ok := r.containers[name]
	if !ok {
		cr = &containerRecord{}
		r.containers[name] = cr
	}
	return cr
}

func (c *containerRecord) setWaiting(reason, message string) {
	c.waitingReason, c.waitingMessage = reason, message
}

func (c *containerRecord) clearWaiting() { c.setWaiting("", "") }

// record returns (creating) the record of a pod.
func (a *Agent) record(uid string) *podRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.records[uid]
	if !ok {
		r = &podRecord{}
		a.records[uid] = r
	}
	return r
}

// forget drops everything the agent holds for a pod that is gone.
func (a *Agent) forget(uid string) {
	a.mu.Lock()
	delete(a.records, uid)
	a.mu.Unlock()
	a.probes.RemovePod(uid)
	a.hostPorts.release(uid)
	a.backoff.forget(uid + "/")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
