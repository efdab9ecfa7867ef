package object

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// noMeta supplies the metav1.Object and runtime.Object methods that the
// trimmed types do not need. It is embedded as a nil pointer, so it costs one
// word per object; none of its methods dereference the receiver. The
// embedding types define GetNamespace, GetName, their setters and
// DeepCopyObject themselves.
type noMeta struct{}

func (*noMeta) GetObjectKind() schema.ObjectKind              { return schema.EmptyObjectKind }
func (*noMeta) GetGenerateName() string                       { return "" }
func (*noMeta) SetGenerateName(string)                        {}
func (*noMeta) GetUID() types.UID                             { return "" }
func (*noMeta) SetUID(types.UID)                              {}
func (*noMeta) GetResourceVersion() string                    { return "" }
func (*noMeta) SetResourceVersion(string)                     {}
func (*noMeta) GetGeneration() int64                          { return 0 }
func (*noMeta) SetGeneration(int64)                           {}
func (*noMeta) GetSelfLink() string                           { return "" }
func (*noMeta) SetSelfLink(string)                            {}
func (*noMeta) GetCreationTimestamp() metav1.Time             { return metav1.Time{} }
func (*noMeta) SetCreationTimestamp(metav1.Time)              {}
func (*noMeta) GetDeletionTimestamp() *metav1.Time            { return nil }
func (*noMeta) SetDeletionTimestamp(*metav1.Time)             {}
func (*noMeta) GetDeletionGracePeriodSeconds() *int64         { return nil }
func (*noMeta) SetDeletionGracePeriodSeconds(*int64)          {}
func (*noMeta) GetLabels() map[string]string                  { return nil }
func (*noMeta) SetLabels(map[string]string)                   {}
func (*noMeta) GetAnnotations() map[string]string             { return nil }
func (*noMeta) SetAnnotations(map[string]string)              {}
func (*noMeta) GetFinalizers() []string                       { return nil }
func (*noMeta) SetFinalizers([]string)                        {}
func (*noMeta) GetOwnerReferences() []metav1.OwnerReference   { return nil }
func (*noMeta) SetOwnerReferences([]metav1.OwnerReference)    {}
func (*noMeta) GetManagedFields() []metav1.ManagedFieldsEntry { return nil }
func (*noMeta) SetManagedFields([]metav1.ManagedFieldsEntry)  {}
