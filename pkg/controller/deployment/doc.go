// Package deployment is the Deployment controller: it rolls a Deployment's
// pod template out through ReplicaSets, one ReplicaSet per template.
//
// The ReplicaSet for the current template (the "new" one) is named
// <deployment>-<pod-template-hash>, where the hash is computed from the
// template as Kubernetes computes it, and carries the hash as the
// pod-template-hash label on itself, its selector and its pod template. All
// other ReplicaSets the Deployment controls are "old".
//
// One sync is a pure plan (plan.go) over the controller's caches: the
// ReplicaSets to create, scale, annotate or delete, and the Deployment status
// that results. The controller then carries the plan out in order and stops at
// the first error, retrying later. Like Kubernetes, one sync takes at most
// one rollout step:
//
//   - RollingUpdate scales the new ReplicaSet up while the total stays within
//     replicas+maxSurge (maxSurge rounded up from a percentage), and old ones
//     down while at least replicas-maxUnavailable pods stay available
//     (maxUnavailable rounded down), unhealthy old pods first.
//   - Recreate scales every old ReplicaSet to zero, waits until none of their
//     pods is left, then scales the new one up.
//   - Changing spec.replicas mid-rollout scales all active ReplicaSets
//     proportionally to their size.
//
// Each ReplicaSet gets the annotations deployment.kubernetes.io/revision,
// desired-replicas and max-replicas; the Deployment gets the revision of its
// new ReplicaSet. Old ReplicaSets scaled to zero beyond revisionHistoryLimit
// are deleted.
//
// Status carries replicas, updatedReplicas, readyReplicas,
// availableReplicas, unavailableReplicas, observedGeneration and the
// conditions Available (MinimumReplicasAvailable / MinimumReplicasUnavailable)
// and Progressing (NewReplicaSetCreated, FoundNewReplicaSet,
// ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded), which
// is what `kubectl rollout status` reads.
package deployment
