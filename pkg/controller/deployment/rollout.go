package deployment

import (
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// rolloutRolling takes one RollingUpdate step: scale the new ReplicaSet up,
// or else old ones down, or else, when done, clean up history.
func (s *state) rolloutRolling() {
	s.syncRevision(true)
	if s.scaleUpNew() || s.scaleDownOld() {
		s.syncRolloutStatus()
		return
	}
	if complete(s.d, &s.d.Status) {
		s.cleanup()
	}
	s.syncRolloutStatus()
}

// scaleUpNew grows (or, when too big, shrinks) the new ReplicaSet as far as
// maxSurge allows.
func (s *state) scaleUpNew() bool {
	d := s.d
	switch n := rsReplicas(s.newRS); {
	case n == replicas(d):
		return false
	case n > replicas(d):
		return s.scaleTo(s.newRS, replicas(d))
	}
	return s.scaleTo(s.newRS, newRSReplicas(d, s.all(), s.newRS))
}

// scaleDownOld shrinks old ReplicaSets as far as maxUnavailable allows:
// first the pods of theirs that are not available anyway, then available
// ones, oldest ReplicaSets first.
func (s *state) scaleDownOld() bool {
	d := s.d
	oldActive := active(s.old)
	if sumSpec(oldActive) == 0 {
		return false
	}
	minAvailable := replicas(d) - maxUnavailable(d)
	newUnavailable := rsReplicas(s.newRS) - s.newRS.Status.AvailableReplicas
	maxScaledDown := sumSpec(s.all()) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return false
	}
	cleaned := s.cleanupUnhealthy(oldActive, maxScaledDown)
	scaled := s.scaleDownAvailable(oldActive, minAvailable)
	return cleaned+scaled > 0
}

// availableOf is a ReplicaSet's available count for scale-down decisions.
// It never exceeds spec.replicas: a ReplicaSet just scaled down may still
// report pods it is about to delete, and counting those would let a rollout
// take away more than maxUnavailable.
func availableOf(rs *appsv1.ReplicaSet) int32 {
	return min(rs.Status.AvailableReplicas, rsReplicas(rs))
}

// cleanupUnhealthy scales old ReplicaSets down by their unavailable pods,
// at most limit in all.
func (s *state) cleanupUnhealthy(old []*appsv1.ReplicaSet, limit int32) int32 {
	old = slices.Clone(old)
	byCreation(old)
	var total int32
	for _, rs := range old {
		if total >= limit {
			break
		}
		n := rsReplicas(rs)
		unhealthy := n - availableOf(rs)
		if n == 0 || unhealthy <= 0 {
			continue
		}
		down := min(limit-total, unhealthy)
		s.scaleTo(rs, n-down)
		total += down
	}
	return total
}

// scaleDownAvailable scales old ReplicaSets down while more than
// minAvailable pods stay available.
func (s *state) scaleDownAvailable(old []*appsv1.ReplicaSet, minAvailable int32) int32 {
	var available int32
	for _, rs := range s.all() {
		available += availableOf(rs)
	}
	if available <= minAvailable {
		return 0
	}
	budget := available - minAvailable
	old = slices.Clone(old)
	byCreation(old)
	var total int32
	for _, rs := range old {
		if total >= budget {
			break
		}
		n := rsReplicas(rs)
		if n == 0 {
			continue
		}
		down := min(n, budget-total)
		s.scaleTo(rs, n-down)
		total += down
	}
	return total
}

// rolloutRecreate takes one Recreate step: scale every old ReplicaSet to
// zero, wait until their pods are gone, then bring the new one up.
func (s *state) rolloutRecreate() {
	s.syncRevision(false)
	scaled := false
	for _, rs := range active(s.old) {
		if s.scaleTo(rs, 0) {
			scaled = true
		}
	}
	if scaled || s.oldPodsRunning() {
		s.syncRolloutStatus()
		return
	}
	if s.newRS == nil {
		s.syncRevision(true)
	}
	s.scaleTo(s.newRS, replicas(s.d))
	if complete(s.d, &s.d.Status) {
		s.cleanup()
	}
	s.syncRolloutStatus()
}

// oldPodsRunning reports whether any pod of an old ReplicaSet may still be
// running (terminating pods included).
func (s *state) oldPodsRunning() bool {
	if sumStatus(s.old) > 0 {
		return true
	}
	for uid, pods := range s.podMap {
		if s.newRS != nil && s.newRS.UID == uid {
			continue
		}
		for _, p := range pods {
			if p.Status.Phase != corev1.PodFailed && p.Status.Phase != corev1.PodSucceeded {
				return true
			}
		}
	}
	return false
}

// isScalingEvent reports whether spec.replicas changed since the active
// ReplicaSets were last sized (their desired-replicas annotation).
func (s *state) isScalingEvent() bool {
	for _, rs := range active(s.all()) {
		if desired, ok := intAnnotation(rs, DesiredReplicasAnnotation); ok && desired != replicas(s.d) {
			return true
		}
	}
	return false
}

// scale resizes the ReplicaSets after spec.replicas changed: a lone active
// ReplicaSet takes the new size; a saturated new one lets the old ones go;
// mid-rollout, RollingUpdate spreads the difference proportionally.
func (s *state) scale() {
	d := s.d
	if rs := s.activeOrLatest(); rs != nil {
		s.scaleTo(rs, replicas(d))
		return
	}
	if s.saturated() {
		for _, rs := range active(s.old) {
			s.scaleTo(rs, 0)
		}
		return
	}
	if !isRollingUpdate(d) {
		return
	}
	rss := active(s.all())
	allowed := int32(0)
	if replicas(d) > 0 {
		allowed = replicas(d) + maxSurge(d)
	}
	toAdd := allowed - sumSpec(rss)
	if toAdd > 0 {
		bySize(rss, true)
	} else if toAdd < 0 {
		bySize(rss, false)
	}
	sizes := make([]int32, len(rss))
	var added int32
	for i, rs := range rss {
		sizes[i] = rsReplicas(rs)
		if toAdd != 0 {
			p := proportion(rs, d, toAdd, added)
			sizes[i] += p
			added += p
		}
	}
	if toAdd != 0 && len(rss) > 0 {
		sizes[0] = max(sizes[0]+toAdd-added, 0) // the largest takes what rounding left
	}
	for i, rs := range rss {
		s.resize(rs, sizes[i])
	}
}

// activeOrLatest returns the only active ReplicaSet, or, with none active,
// the new or else the newest old one; nil when several are active.
func (s *state) activeOrLatest() *appsv1.ReplicaSet {
	act := active(s.all())
	switch len(act) {
	case 0:
		if s.newRS != nil {
			return s.newRS
		}
		if len(s.old) > 0 {
			return s.old[len(s.old)-1] // rsList is sorted oldest first
		}
		return nil
	case 1:
		return act[0]
	}
	return nil
}

// saturated reports whether the new ReplicaSet alone runs the whole
// Deployment.
func (s *state) saturated() bool {
	rs := s.newRS
	if rs == nil {
		return false
	}
	desired, ok := intAnnotation(rs, DesiredReplicasAnnotation)
	return ok && rsReplicas(rs) == replicas(s.d) && desired == replicas(s.d) && rs.Status.AvailableReplicas == replicas(s.d)
}

// proportion is the share of toAdd a ReplicaSet gets, in proportion to its
// size relative to the Deployment size it was last scaled for.
func proportion(rs *appsv1.ReplicaSet, d *appsv1.Deployment, toAdd, added int32) int32 {
	if rsReplicas(rs) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	fraction := fractionOf(rs, d)
	allowed := toAdd - added
	if toAdd > 0 {
		return min(fraction, allowed)
	}
	return max(fraction, allowed)
}

func fractionOf(rs *appsv1.ReplicaSet, d *appsv1.Deployment) int32 {
	if replicas(d) == 0 {
		return -rsReplicas(rs)
	}
	target := replicas(d) + maxSurge(d)
	annotated, ok := intAnnotation(rs, MaxReplicasAnnotation)
	if !ok || annotated == 0 {
		annotated = d.Status.Replicas
	}
	if annotated == 0 {
		return 0
	}
	size := float64(rsReplicas(rs)*target) / float64(annotated)
	return int32(size+0.5) - rsReplicas(rs)
}
