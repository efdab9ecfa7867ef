package core

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MaxConfigMapSize is the most data a ConfigMap may hold: 1 MiB over data
// and binaryData together, as in Kubernetes.
const MaxConfigMapSize = 1 << 20

// immutableMsg is the detail for changes to an object marked immutable.
const immutableMsg = "field is immutable when `immutable` is set"

// ValidateConfigMap validates a ConfigMap: a DNS-1123 subdomain name, keys
// that are valid file names, no key in both data and binaryData, and at most
// MaxConfigMapSize bytes of values.
func ValidateConfigMap(cm *corev1.ConfigMap) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&cm.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	total := 0
	for key, value := range cm.Data {
		for _, msg := range validation.IsConfigMapKey(key) {
			allErrs = append(allErrs, field.Invalid(field.NewPath("data").Key(key), key, msg))
		}
		if _, dup := cm.BinaryData[key]; dup {
			allErrs = append(allErrs, field.Invalid(field.NewPath("data").Key(key), key, "duplicate of key present in binaryData"))
		}
		total += len(value)
	}
	for key, value := range cm.BinaryData {
		for _, msg := range validation.IsConfigMapKey(key) {
			allErrs = append(allErrs, field.Invalid(field.NewPath("binaryData").Key(key), key, msg))
		}
		total += len(value)
	}
	if total > MaxConfigMapSize {
		allErrs = append(allErrs, field.TooLong(field.NewPath(""), "", MaxConfigMapSize))
	}
	return allErrs
}

// ValidateConfigMapUpdate validates a ConfigMap update: once immutable is
// true, it and the data stay as they are.
func ValidateConfigMapUpdate(newCM, oldCM *corev1.ConfigMap) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newCM.ObjectMeta, &oldCM.ObjectMeta, field.NewPath("metadata"))
	if oldCM.Immutable != nil && *oldCM.Immutable {
		if newCM.Immutable == nil || !*newCM.Immutable {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("immutable"), immutableMsg))
		}
		if !reflect.DeepEqual(newCM.Data, oldCM.Data) {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("data"), immutableMsg))
		}
		if !reflect.DeepEqual(newCM.BinaryData, oldCM.BinaryData) {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("binaryData"), immutableMsg))
		}
	}
	return append(allErrs, ValidateConfigMap(newCM)...)
}
