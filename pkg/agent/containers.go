package agent

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/svcnet/svcnet/pkg/agent/envvars"
	"github.com/svcnet/svcnet/pkg/agent/probe"
	"github.com/svcnet/svcnet/pkg/agent/runtime"
)

// configRetry is how soon a container whose environment could not be
// built (a missing ConfigMap) is tried again.
const configRetry = 10 * time.Second

// syncContainers brings each container to its desired state and returns
// how soon the pod needs another sync (0: when something changes).
func (a *Agent) syncContainers(ctx context.Context, pod *corev1.Pod, rec *podRecord, sb *runtime.SandboxState) time.Duration {
	if done, requeue := a.syncInitContainers(ctx, pod, rec, sb); !done {
		return requeue
	}
	var requeue time.Duration
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		d := a.syncContainer(ctx, pod, rec, c, findContainer(sb, c.Name), pod.Spec.RestartPolicy)
		if d > 0 && (requeue == 0 || d < requeue) {
			requeue = d
		}
	}
	return requeue
}

// shouldRestart applies the pod's restartPolicy to an exited container.
func shouldRestart(policy corev1.RestartPolicy, exitCode int) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return exitCode != 0
	}
	return true
}

// isSidecar reports whether an init container is a sidecar
// (restartPolicy Always): it keeps running beside the app containers.
func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// initRestartPolicy is how failed init containers restart: like the pod,
// except that Always means OnFailure (a finished init container is done).
func initRestartPolicy(p corev1.RestartPolicy) corev1.RestartPolicy {
	if p == corev1.RestartPolicyNever {
		return p
	}
	return corev1.RestartPolicyOnFailure
}

// syncInitContainers runs the init containers one after the other; it
// reports whether all are done (sidecars: running), and else how soon to
// sync again (0: when the runtime's state changes).
func (a *Agent) syncInitContainers(ctx context.Context, pod *corev1.Pod, rec *podRecord, sb *runtime.SandboxState) (bool, time.Duration) {
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		st := findContainer(sb, c.Name)
		if isSidecar(c) {
			d := a.syncContainer(ctx, pod, rec, c, st, corev1.RestartPolicyAlways)
			if st == nil || !st.Running {
				return false, d
			}
			continue
		}
		switch {
		case st != nil && !st.Running && st.ExitCode == 0:
			rec.container(c.Name).clearWaiting()
			continue
		case st != nil && st.Running:
			return false, 0
		}
		return false, a.syncContainer(ctx, pod, rec, c, st, initRestartPolicy(pod.Spec.RestartPolicy))
	}
	return true, 0
}

func (a *Agent) syncContainer(ctx context.Context, pod *corev1.Pod, rec *podRecord, c *corev1.Container, st *runtime.ContainerState, policy corev1.RestartPolicy) time.Duration {
	cr := rec.container(c.Name)
	uid := string(pod.UID)
	if st != nil && st.Running {
		reason := a.probeKillReason(uid, c, st.StartedAt)
		if reason == "" {
			cr.clearWaiting()
			return 0
		}
		if err := a.killContainer(ctx, pod, c, reason); err != nil {
			a.log.Warn("stopping unhealthy container failed", "pod", podKey(pod), "container", c.Name, "err", err)
			return time.Second
		}
		sb, err := a.sandbox(ctx, uid)
		if st = findContainer(sb, c.Name); err != nil || st == nil || st.Running {
			return time.Second
		}
	}
	if st == nil {
		return a.startContainer(ctx, pod, rec, c)
	}
	if !shouldRestart(policy, st.ExitCode) {
		cr.clearWaiting()
		return 0
	}
	now := a.c.Clock.Now()
	key := uid + "/" + c.Name
	if delay, remaining, wait := a.backoff.inBackoff(key, st.FinishedAt, now); wait {
		msg := fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", delay, c.Name, pod.Name, pod.Namespace, pod.UID)
		if cr.waitingReason != ReasonCrashLoopBackOff {
			a.recorder.Eventf(pod, corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container %s in pod %s", c.Name, podKey(pod))
		}
		cr.setWaiting(ReasonCrashLoopBackOff, msg)
		return remaining
	}
	if !cr.handledRun.Equal(st.StartedAt) {
		a.backoff.next(key, now)
		cr.handledRun = st.StartedAt
		cr.lastTerminated = terminatedState(uid, st)
		cr.restartCount++
		a.metrics.containerRestarts.Inc()
	}
	return a.startContainer(ctx, pod, rec, c)
}

// probeKillReason says why a running container must be killed: a failed
// startup or liveness probe, or "".
func (a *Agent) probeKillReason(uid string, c *corev1.Container, startedAt time.Time) string {
	if c.StartupProbe != nil {
		if r, ok := a.probes.Result(uid, c.Name, probe.Startup, startedAt); ok && r == probe.Failure {
			return "startup"
		}
	}
	if c.LivenessProbe != nil {
		if r, ok := a.probes.Result(uid, c.Name, probe.Liveness, startedAt); ok && r == probe.Failure {
			return "liveness"
		}
	}
	return ""
}

// killContainer stops a container that failed a probe, with the pod's
// termination grace period (or the probe's own).
func (a *Agent) killContainer(ctx context.Context, pod *corev1.Pod, c *corev1.Container, kind string) error {
	grace := terminationGrace(pod)
	p := c.LivenessProbe
	if kind == "startup" {
		p = c.StartupProbe
	}
	if p != nil && p.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*p.TerminationGracePeriodSeconds) * time.Second
	}
	a.recorder.Eventf(pod, corev1.EventTypeWarning, "Unhealthy", "%s probe failed", capitalize(kind))
	a.recorder.Eventf(pod, corev1.EventTypeNormal, "Killing", "Container %s failed %s probe, will be restarted", c.Name, kind)
	if err := a.rt.StopContainer(ctx, string(pod.UID), c.Name, grace); err != nil {
		return fmt.Errorf("stopping container %s: %w", c.Name, err)
	}
	return nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// terminationGrace is the pod's spec.terminationGracePeriodSeconds
// (default 30s).
func terminationGrace(pod *corev1.Pod) time.Duration {
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return 30 * time.Second
}

// startContainer builds a container's environment and command line and
// starts it. When it cannot, the container waits with a reason; the
// result is how soon to retry (0: only when the pod changes).
func (a *Agent) startContainer(ctx context.Context, pod *corev1.Pod, rec *podRecord, c *corev1.Container) time.Duration {
	cr := rec.container(c.Name)
	envPod := pod.DeepCopy()
	if rec.podIP.IsValid() {
		envPod.Status.PodIP = rec.podIP.String()
		envPod.Status.PodIPs = []corev1.PodIP{{IP: envPod.Status.PodIP}}
	}
	envPod.Status.HostIP = a.c.NodeIP.String()
	envPod.Status.HostIPs = []corev1.HostIP{{IP: envPod.Status.HostIP}}
	env, err := containerEnv(ctx, clientEnvSources{a}, envPod, c, a.serviceEnv(pod))
	if err != nil {
		a.waitWithEvent(pod, cr, ReasonCreateContainerConfigError, err.Error())
		return configRetry
	}
	command, args := expandAll(c.Command, env), expandAll(c.Args, env)
	l, msg := containerLaunch(a.c.Workloads, a.c.SvcnetBinary, c, command, args)
	if msg != "" {
		a.waitWithEvent(pod, cr, ReasonErrImagePull, msg)
		return 0
	}
	_, err = a.rt.StartContainer(ctx, string(pod.UID), runtime.ContainerConfig{
		Name: c.Name, Argv: l.Argv, Env: env.list(), WorkingDir: c.WorkingDir,
		LogPath: a.logPath(pod, c.Name, cr.restartCount),
	})
	if err != nil {
		a.waitWithEvent(pod, cr, ReasonRunContainerError, err.Error())
		return a.c.CrashBackoffInitial
	}
	cr.imageID = l.ImageID
	cr.clearWaiting()
	a.metrics.containerStarts.Inc()
	a.recorder.Eventf(pod, corev1.EventTypeNormal, "Started", "Started container %s", c.Name)
	a.log.Info("container started", "pod", podKey(pod), "container", c.Name, "restartCount", cr.restartCount)
	return 0
}

// waitWithEvent makes a container wait, with a Warning event when the
// reason is new.
func (a *Agent) waitWithEvent(pod *corev1.Pod, cr *containerRecord, reason, msg string) {
	if cr.waitingReason != reason || cr.waitingMessage != msg {
		a.recorder.Event(pod, corev1.EventTypeWarning, "Failed", fmt.Sprintf("Error: %s: %s", reason, msg))
	}
	cr.setWaiting(reason, msg)
}

func expandAll(in []string, env *orderedEnv) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = expand(s, env.get)
	}
	return out
}

// ContainerLogPath returns the log file of a container's current run, for
// serving `kubectl logs`; "" until the runtime exists.
func (a *Agent) ContainerLogPath(pod *corev1.Pod, container string) string {
	if a.runtime() == nil {
		return ""
	}
	var restarts int32
	for _, cs := range slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses) {
		if cs.Name == container {
			restarts = cs.RestartCount
		}
	}
	return a.logPath(pod, container, restarts)
}

// logPath is where a container run's output goes.
func (a *Agent) logPath(pod *corev1.Pod, container string, restart int32) string {
	if a.c.PodLogDir == "" {
		return a.rt.LogPath(string(pod.UID), container)
	}
	dir := fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID)
	return filepath.Join(a.c.PodLogDir, dir, container, fmt.Sprintf("%d.log", restart))
}

// serviceEnv returns the Service variables for a container of pod, from
// the Services that exist now.
func (a *Agent) serviceEnv(pod *corev1.Pod) []corev1.EnvVar {
	all, err := a.services.List(labelsEverything())
	if err != nil {
		return nil
	}
	links := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	return envvars.FromServices(envvars.ForPod(all, pod.Namespace, links))
}

// clientEnvSources reads ConfigMaps and Secrets from the API.
type clientEnvSources struct{ a *Agent }

func (s clientEnvSources) ConfigMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error) {
	return s.a.c.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
}

func (s clientEnvSources) Secret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	return s.a.c.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
}
