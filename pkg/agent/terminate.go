package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
)

func labelsEverything() labels.Selector { return labels.Everything() }

// orphanGrace is the grace period of containers whose pod vanished from
// the API (its own grace period is unknown).
const orphanGrace = 2 * time.Second

// deletionGrace is the grace period of a deleted pod:
// metadata.deletionGracePeriodSeconds, else the spec's.
func deletionGrace(pod *corev1.Pod) time.Duration {
	if g := pod.DeletionGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return terminationGrace(pod)
}

// terminatePod stops a deleted pod's containers within its grace period,
// removes its sandbox and then deletes the pod object for good (grace 0,
// with a UID precondition so that a new pod of the same name is safe).
func (a *Agent) terminatePod(ctx context.Context, pod *corev1.Pod) error {
	uid := string(pod.UID)
	a.probes.RemovePod(uid)
	if err := a.stopPod(ctx, pod, uid, deletionGrace(pod)); err != nil {
		return err
	}
	a.forget(uid)
	a.removePodLogs(uid)
	err := a.c.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0),
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("deleting pod %s: %w", podKey(pod), err)
	}
	a.log.Info("pod terminated", "pod", podKey(pod), "uid", uid)
	return nil
}

// stopPod stops every running container of a pod at once, each within
// grace, then removes the sandbox.
func (a *Agent) stopPod(ctx context.Context, pod *corev1.Pod, uid string, grace time.Duration) error {
	sb, err := a.sandbox(ctx, uid)
	if err != nil || sb == nil {
		return err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, c := range sb.Containers {
		if !c.Running {
			continue
		}
		if pod != nil {
			a.recorder.Eventf(pod, corev1.EventTypeNormal, "Killing", "Stopping container %s", c.Name)
		}
		wg.Go(func() {
			if err := a.rt.StopContainer(ctx, uid, c.Name, grace); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("stopping container %s: %w", c.Name, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := a.rt.RemovePodSandbox(ctx, uid); err != nil {
		return fmt.Errorf("removing sandbox of pod %s: %w", uid, err)
	}
	return nil
}

// removePodLogs deletes a gone pod's log directory under PodLogDir, as
// the kubelet removes /var/log/pods/<ns>_<name>_<uid>.
func (a *Agent) removePodLogs(uid string) {
	if a.c.PodLogDir == "" {
		return
	}
	dirs, _ := filepath.Glob(filepath.Join(a.c.PodLogDir, "*_"+uid))
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			a.log.Warn("removing pod logs failed", "dir", d, "err", err)
		}
	}
}

// removeOrphan removes the sandbox of a pod that no longer exists in the
// API (deleted while the agent was down, or force-deleted).
func (a *Agent) removeOrphan(ctx context.Context, uid string) error {
	a.probes.RemovePod(uid)
	if err := a.stopPod(ctx, nil, uid, orphanGrace); err != nil {
		return err
	}
	a.forget(uid)
	a.removePodLogs(uid)
	return nil
}

// cleanupTerminal releases what a Succeeded or Failed pod held: its
// processes have exited; its sandbox and hostPorts are freed, and its
// status stays as it was last written.
func (a *Agent) cleanupTerminal(ctx context.Context, pod *corev1.Pod) error {
	uid := string(pod.UID)
	a.probes.RemovePod(uid)
	if err := a.stopPod(ctx, pod, uid, terminationGrace(pod)); err != nil {
		return err
	}
	a.forget(uid)
	return nil
}
