package agent

import (
	"context"
	"fmt"
	"k8s.io/apimachinery/pkg/util/intstr"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/svcnet/svcnet/pkg/agent/probe"
	"github.com/svcnet/svcnet/pkg/agent/runtime"
)

// hostPortRetry is how often a pod waiting for a hostPort is retried.
const hostPortRetry = 5 * time.Second

// syncPod makes the node match one pod's desired state. It is idempotent:
// it reads the pod from the informer cache and the processes from the
// runtime, acts, and writes the status if it changed.
func (a *Agent) syncPod(ctx context.Context, uid string) error {
	pod := a.podByUID(uid)
	switch {
	case pod == nil:
		return a.removeOrphan(ctx, uid)
	case pod.DeletionTimestamp != nil:
		return a.terminatePod(ctx, pod)
	case isTerminal(pod.Status.Phase):
		return a.cleanupTerminal(ctx, pod)
	}
	return a.runPod(ctx, pod)
}

// runPod creates the sandbox, starts, restarts or kills containers, and
// posts the status.
func (a *Agent) runPod(ctx context.Context, pod *corev1.Pod) error {
	uid := string(pod.UID)
	rec := a.record(uid)
	now := a.c.Clock.Now()
	if rec.startTime.IsZero() {
		rec.startTime = now
	}
	if msg := a.hostPorts.admit(pod); msg != "" {
		a.setAllWaiting(pod, rec, ReasonHostPortConflict, msg)
		a.queue.AddAfter(uid, hostPortRetry)
		return a.writeStatus(ctx, pod, rec, a.statusInput(pod, rec, nil, now))
	}
	if err := a.ensureSandbox(ctx, pod, rec); err != nil {
		a.setAllWaiting(pod, rec, ReasonContainerCreating, err.Error())
		if werr := a.writeStatus(ctx, pod, rec, a.statusInput(pod, rec, nil, now)); werr != nil {
			a.log.Debug("writing pod status failed", "pod", podKey(pod), "err", werr)
		}
		return err
	}
	sb, err := a.sandbox(ctx, uid)
	if err != nil {
		return err
	}
	requeue := a.syncContainers(ctx, pod, rec, sb)
	if sb, err = a.sandbox(ctx, uid); err != nil {
		return err
	}
	if err := a.writeStatus(ctx, pod, rec, a.statusInput(pod, rec, sb, a.c.Clock.Now())); err != nil {
		return err
	}
	if requeue > 0 {
		a.queue.AddAfter(uid, requeue)
	}
	return nil
}

func (a *Agent) setAllWaiting(pod *corev1.Pod, rec *podRecord, reason, msg string) {
	for _, c := range pod.Spec.InitContainers {
		rec.container(c.Name).setWaiting(reason, msg)
	}
	for _, c := range pod.Spec.Containers {
		rec.container(c.Name).setWaiting(reason, msg)
	}
}

func podKey(pod *corev1.Pod) string { return pod.Namespace + "/" + pod.Name }

// ensureSandbox creates (or finds) the pod's sandbox with its hostname,
// resolv.conf, hosts file and hostPorts.
func (a *Agent) ensureSandbox(ctx context.Context, pod *corev1.Pod, rec *podRecord) error {
	hostname, domain := podHostname(pod, a.c.ClusterDomain)
	var nodeResolv string
	if pod.Spec.DNSPolicy == corev1.DNSDefault || pod.Spec.HostNetwork {
		b, err := os.ReadFile(a.c.ResolvConf)
		if err != nil {
			return fmt.Errorf("reading node resolv.conf: %w", err)
		}
		nodeResolv = string(b)
	}
	pn, err := a.rt.RunPodSandbox(ctx, runtime.SandboxConfig{
		UID: string(pod.UID), Namespace: pod.Namespace, Name: pod.Name,
		Hostname:   hostname,
		ResolvConf: resolvConf(pod, a.c.ClusterDNS, a.c.ClusterDomain, nodeResolv),
		Hosts:      hostsFile(rec.podIP, hostname, domain, pod.Spec.HostAliases),
		HostPorts:  podHostPorts(pod),
	})
	if err != nil {
		a.recorder.Eventf(pod, corev1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: %v", err)
		return fmt.Errorf("creating pod sandbox: %w", err)
	}
	if rec.podIP != pn.IP {
		a.log.Info("pod sandbox ready", "pod", podKey(pod), "uid", pod.UID, "podIP", pn.IP.String())
	}
	rec.podIP = pn.IP
	return nil
}

// statusInput gathers the inputs of computeStatus, syncing the probe
// workers with the running containers first.
func (a *Agent) statusInput(pod *corev1.Pod, rec *podRecord, sb *runtime.SandboxState, now time.Time) statusInput {
	uid := string(pod.UID)
	var running []probe.RunningContainer
	for i := range pod.Spec.Containers {
		c := a.probedSpec(&pod.Spec.Containers[i])
		if st := findContainer(sb, c.Name); st != nil && st.Running {
			running = append(running, probe.RunningContainer{Spec: c, StartedAt: st.StartedAt})
		}
	}
	if sb != nil {
		a.probes.Sync(a.runCtx, uid, rec.podIP, running)
	}
	in := statusInput{Pod: pod, NodeIP: a.c.NodeIP, PodIP: rec.podIP, HasSandbox: sb != nil, StartTime: rec.startTime, Now: now}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		v := a.containerView(rec, c, sb)
		if v.Runtime != nil {
			v.Started = v.Runtime.Running
			v.Ready = v.Runtime.Running && isSidecar(c) || !v.Runtime.Running && v.Runtime.ExitCode == 0 && v.WaitingReason == ""
		}
		in.InitContainers = append(in.InitContainers, v)
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		v := a.containerView(rec, c, sb)
		if v.Runtime != nil && v.Runtime.Running {
			pc := a.probedSpec(c)
			v.Started = a.probeVerdict(uid, pc, probe.Startup, v.Runtime.StartedAt)
			v.Ready = v.Started && a.probeVerdict(uid, pc, probe.Readiness, v.Runtime.StartedAt)
		}
		in.Containers = append(in.Containers, v)
	}
	return in
}

// containerView gathers what the agent and the runtime know of a
// container, for its status.
func (a *Agent) containerView(rec *podRecord, c *corev1.Container, sb *runtime.SandboxState) containerView {
	cr := rec.container(c.Name)
	return containerView{
		Spec: c, Runtime: findContainer(sb, c.Name), RestartCount: cr.restartCount,
		LastTerminated: cr.lastTerminated, WaitingReason: cr.waitingReason,
		WaitingMessage: cr.waitingMessage, ImageID: cr.imageID,
	}
}

// probeVerdict reports whether a probe passes; a container without that
// probe passes.
func (a *Agent) probeVerdict(uid string, c *corev1.Container, k probe.Kind, startedAt time.Time) bool {
	if probe.ProbeOf(c, k) == nil {
		return true
	}
	r, _ := a.probes.Result(uid, c.Name, k, startedAt)
	return r == probe.Success
}

func findContainer(sb *runtime.SandboxState, name string) *runtime.ContainerState {
	if sb == nil {
		return nil
	}
	for i := range sb.Containers {
		if sb.Containers[i].Name == name {
			return &sb.Containers[i]
		}
	}
	return nil
}

// writeStatus posts the computed status if it differs from the pod's.
func (a *Agent) writeStatus(ctx context.Context, pod *corev1.Pod, rec *podRecord, in statusInput) error {
	st := computeStatus(in)
	if apiequality.Semantic.DeepEqual(pod.Status, st) {
		return nil
	}
	if rec.lastSent != nil && apiequality.Semantic.DeepEqual(*rec.lastSent, st) &&
		apiequality.Semantic.DeepEqual(*rec.lastStored, pod.Status) {
		return nil
	}
	p := pod.DeepCopy()
	p.Status = st
	stored, err := a.c.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("updating status of pod %s: %w", podKey(pod), err)
	}
	a.metrics.statusUpdates.Inc()
	rec.lastSent, rec.lastStored = &st, &stored.Status
	return nil
}

// probedSpec returns the container spec whose probes the agent runs. A
// built-in workload that declares ports and has no readiness or startup
// probe gets an implicit readiness probe, a TCP connect to its first port:
// the re-executed svcnet binary needs a moment to bind, and a pod must not
// join its Services' endpoints before it accepts connections (real images
// bind within milliseconds; ours within ~100 ms).
func (a *Agent) probedSpec(c *corev1.Container) *corev1.Container {
	if c.ReadinessProbe != nil || c.StartupProbe != nil || len(c.Ports) == 0 || a.c.Workloads == nil {
		return c
	}
	if _, ok := a.c.Workloads.Lookup(c.Image, append(append([]string(nil), c.Command...), c.Args...)); !ok {
		return c
	}
	cp := c.DeepCopy()
	cp.ReadinessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(c.Ports[0].ContainerPort)}},
		PeriodSeconds: 1, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3,
	}
	return cp
}
