package agent

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/svcnet/svcnet/pkg/agent/runtime"
)

// sandboxFingerprint summarises what of a sandbox's state matters to a
// sync, so that a relist only enqueues pods whose processes changed.
func sandboxFingerprint(sb runtime.SandboxState) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s,%t", sb.Network.IP, sb.Ready)
	for _, c := range sb.Containers {
		fmt.Fprintf(&b, "|%s,%d,%t,%d,%d", c.Name, c.PID, c.Running, c.ExitCode, c.StartedAt.UnixNano())
	}
	return b.String()
}

// relistLoop lists the runtime every RelistInterval and enqueues the pods
// whose sandboxes changed (a process exited, a sandbox vanished), like the
// kubelet's PLEG.
func (a *Agent) relistLoop(ctx context.Context) {
	t := a.c.Clock.NewTicker(a.c.RelistInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		if err := a.relist(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("listing sandboxes failed", "err", err)
		}
	}
}

func (a *Agent) relist(ctx context.Context) error {
	sbs, err := a.rt.ListSandboxes(ctx)
	if err != nil {
		return fmt.Errorf("listing sandboxes: %w", err)
	}
	a.metrics.sandboxes.Set(float64(len(sbs)))
	now := map[string]string{}
	for _, sb := range sbs {
		now[sb.UID] = sandboxFingerprint(sb)
	}
	a.mu.Lock()
	var changed []string
	for uid, fp := range now {
		if a.lastSeen[uid] != fp {
			changed = append(changed, uid)
		}
	}
	for uid := range a.lastSeen {
		if _, ok := now[uid]; !ok {
			changed = append(changed, uid)
		}
	}
	a.lastSeen = now
	a.mu.Unlock()
	for _, uid := range changed {
		a.queue.Add(uid)
	}
	return nil
}

// sandbox returns a pod's sandbox from the runtime, or nil.
func (a *Agent) sandbox(ctx context.Context, uid string) (*runtime.SandboxState, error) {
	sbs, err := a.rt.ListSandboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing sandboxes: %w", err)
	}
	for i := range sbs {
		if sbs[i].UID == uid {
			return &sbs[i], nil
		}
	}
	return nil, nil
}

// adopt takes over the sandboxes a previous agent left: their pods keep
// running, with their restart counts and last states read back from the
// API, and their hostPorts are reserved before any new pod is admitted.
// Sandboxes whose pods are gone are queued, and the sync removes them.
func (a *Agent) adopt(ctx context.Context) error {
	sbs, err := a.rt.ListSandboxes(ctx)
	if err != nil {
		return fmt.Errorf("listing sandboxes: %w", err)
	}
	for _, sb := range sbs {
		pod := a.podByUID(sb.UID)
		if pod != nil && pod.DeletionTimestamp == nil && !isTerminal(pod.Status.Phase) {
			a.hostPorts.admit(pod)
			rec := a.record(sb.UID)
			rec.podIP = sb.Network.IP
			if pod.Status.StartTime != nil {
				rec.startTime = pod.Status.StartTime.Time
			}
			restoreContainerRecords(rec, pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses)
			for _, c := range sb.Containers {
				// The runtime persists its restart count too: trust the
				// larger, in case the last status write was lost.
				if cr := rec.container(c.Name); int32(c.Restarts) > cr.restartCount {
					cr.restartCount = int32(c.Restarts)
				}
			}
			a.log.Info("adopted pod sandbox", "pod", pod.Namespace+"/"+pod.Name, "uid", sb.UID, "podIP", sb.Network.IP.String())
		}
		a.queue.Add(sb.UID)
	}
	return nil
}

// restoreContainerRecords reads restart counts, last states and image IDs
// back from a pod's status.
func restoreContainerRecords(rec *podRecord, statuses ...[]corev1.ContainerStatus) {
	for _, cs := range slices.Concat(statuses...) {
		cr := rec.container(cs.Name)
		cr.restartCount = cs.RestartCount
		cr.lastTerminated = cs.LastTerminationState.Terminated
		cr.imageID = cs.ImageID
	}
}
