package deployment

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/dump"
)

// PodTemplateHashLabel labels ReplicaSets and their pods with the hash of the
// pod template they were made from; it also suffixes the ReplicaSet's name.
const PodTemplateHashLabel = appsv1DefaultDeploymentUniqueLabelKey

const appsv1DefaultDeploymentUniqueLabelKey = "pod-template-hash"

// ComputeHash returns the pod-template-hash of a template: the 32-bit FNV-1a
// hash of the template's deep dump, plus the collision count when there is
// one, rendered as a "safe" string (no vowels, so no words). This is how
// Kubernetes computes it, so equal templates get equal names there and here.
func ComputeHash(template *corev1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%v", dump.ForHash(*template))
	if collisionCount != nil {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(*collisionCount))
		h.Write(b)
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// equalIgnoreHash reports whether two templates are the same apart from the
// pod-template-hash label.
func equalIgnoreHash(a, b *corev1.PodTemplateSpec) bool {
	a, b = a.DeepCopy(), b.DeepCopy()
	delete(a.Labels, PodTemplateHashLabel)
	delete(b.Labels, PodTemplateHashLabel)
	return apiequality.Semantic.DeepEqual(a, b)
}
