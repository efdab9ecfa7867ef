package core

import (
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// setVolumeSources returns the JSON names of the source fields set in src,
// in declaration order (hostPath, emptyDir, ...).
func setVolumeSources(src *corev1.VolumeSource) []string {
	var names []string
	v := reflect.ValueOf(src).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			names = append(names, name)
		}
	}
	return names
}

// validateVolumes checks spec.volumes and returns the volumes by name, for
// volumeMounts to refer to.
func validateVolumes(volumes []corev1.Volume, fldPath *field.Path) (map[string]corev1.VolumeSource, field.ErrorList) {
	var allErrs field.ErrorList
	byName := map[string]corev1.VolumeSource{}
	for i := range volumes {
		vol := &volumes[i]
		idxPath := fldPath.Index(i)
		namePath := idxPath.Child("name")
		errs := validateVolumeSource(&vol.VolumeSource, idxPath)
		if vol.Name == "" {
			errs = append(errs, field.Required(namePath, ""))
		} else {
			errs = append(errs, ValidateDNS1123Label(vol.Name, namePath)...)
		}
		if _, dup := byName[vol.Name]; dup {
			errs = append(errs, field.Duplicate(namePath, vol.Name))
		}
		if len(errs) == 0 {
			byName[vol.Name] = vol.VolumeSource
		} else {
			allErrs = append(allErrs, errs...)
		}
	}
	return byName, allErrs
}

// validateVolumeSource checks that exactly one source is set and validates
// the sources svcnet's node agent can provide.
func validateVolumeSource(src *corev1.VolumeSource, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	set := setVolumeSources(src)
	if len(set) == 0 {
		return field.ErrorList{field.Required(fldPath, "must specify a volume type")}
	}
	for _, extra := range set[1:] {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child(extra), "may not specify more than 1 volume type"))
	}
	switch set[0] {
	case "emptyDir":
		if q := src.EmptyDir.SizeLimit; q != nil && q.Cmp(resource.Quantity{}) < 0 {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("emptyDir", "sizeLimit"), "SizeLimit field must be a valid resource quantity"))
		}
	case "hostPath":
		if src.HostPath.Path == "" {
			allErrs = append(allErrs, field.Required(fldPath.Child("hostPath", "path"), ""))
		}
	case "configMap":
		cmPath := fldPath.Child("configMap")
		if src.ConfigMap.Name == "" {
			allErrs = append(allErrs, field.Required(cmPath.Child("name"), ""))
		}
		allErrs = append(allErrs, validateKeyToPaths(src.ConfigMap.Items, cmPath.Child("items"))...)
		allErrs = append(allErrs, validateFileMode(src.ConfigMap.DefaultMode, cmPath.Child("defaultMode"))...)
	case "secret":
		secPath := fldPath.Child("secret")
		if src.Secret.SecretName == "" {
			allErrs = append(allErrs, field.Required(secPath.Child("secretName"), ""))
		}
		allErrs = append(allErrs, validateKeyToPaths(src.Secret.Items, secPath.Child("items"))...)
		allErrs = append(allErrs, validateFileMode(src.Secret.DefaultMode, secPath.Child("defaultMode"))...)
	}
	return allErrs
}

// validateKeyToPaths checks the items of a configMap or secret volume.
func validateKeyToPaths(items []corev1.KeyToPath, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, item := range items {
		idxPath := fldPath.Index(i)
		if item.Key == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("key"), ""))
		}
		allErrs = append(allErrs, validateLocalNonReservedPath(item.Path, idxPath.Child("path"))...)
		if item.Mode != nil {
			allErrs = append(allErrs, validateFileMode(item.Mode, idxPath.Child("mode"))...)
		}
	}
	return allErrs
}

// validateFileMode checks a file mode: 0 to 0777.
func validateFileMode(mode *int32, fldPath *field.Path) field.ErrorList {
	if mode != nil && (*mode > 0o777 || *mode < 0) {
		return field.ErrorList{field.Invalid(fldPath, *mode, "must be a number between 0 and 0777 (octal), both inclusive")}
	}
	return nil
}

// validateLocalDescendingPath checks a relative path that stays below its root.
func validateLocalDescendingPath(p string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if strings.HasPrefix(p, "/") {
		allErrs = append(allErrs, field.Invalid(fldPath, p, "must be a relative path"))
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			allErrs = append(allErrs, field.Invalid(fldPath, p, "must not contain '..'"))
			break
		}
	}
	return allErrs
}

// validateLocalNonReservedPath is validateLocalDescendingPath that also
// forbids the ".." prefix the kubelet reserves for its own files.
func validateLocalNonReservedPath(p string, fldPath *field.Path) field.ErrorList {
	if p == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	allErrs := validateLocalDescendingPath(p, fldPath)
	if strings.HasPrefix(p, "..") {
		allErrs = append(allErrs, field.Invalid(fldPath, p, "must not start with '..'"))
	}
	return allErrs
}

// validateVolumeMounts checks a container's volumeMounts against the pod's volumes.
func validateVolumeMounts(mounts []corev1.VolumeMount, volumes map[string]corev1.VolumeSource, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	mountPoints := map[string]bool{}
	for i, m := range mounts {
		idxPath := fldPath.Index(i)
		if m.Name == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("name"), ""))
		}
		if _, ok := volumes[m.Name]; !ok {
			allErrs = append(allErrs, field.NotFound(idxPath.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("mountPath"), ""))
		}
		if mountPoints[m.MountPath] {
			allErrs = append(allErrs, field.Invalid(idxPath.Child("mountPath"), m.MountPath, "must be unique"))
		}
		mountPoints[m.MountPath] = true
		if m.SubPath != "" {
			allErrs = append(allErrs, validateLocalDescendingPath(m.SubPath, fldPath.Child("subPath"))...)
		}
		if m.SubPathExpr != "" {
			if m.SubPath != "" {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("subPathExpr"), m.SubPathExpr, "subPathExpr and subPath are mutually exclusive"))
			}
			allErrs = append(allErrs, validateLocalDescendingPath(m.SubPathExpr, fldPath.Child("subPathExpr"))...)
		}
	}
	return allErrs
}

// validateEnv checks env var names (relaxed: any printable ASCII but '=')
// and their valueFrom sources.
func validateEnv(vars []corev1.EnvVar, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, ev := range vars {
		idxPath := fldPath.Index(i)
		if ev.Name == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("name"), ""))
		} else {
			for _, msg := range validation.IsRelaxedEnvVarName(ev.Name) {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("name"), ev.Name, msg))
			}
		}
		allErrs = append(allErrs, validateEnvVarValueFrom(ev, idxPath.Child("valueFrom"))...)
	}
	return allErrs
}

// validateEnvVarValueFrom checks that valueFrom names exactly one source and
// that value is then empty.
func validateEnvVarValueFrom(ev corev1.EnvVar, fldPath *field.Path) field.ErrorList {
	vf := ev.ValueFrom
	if vf == nil {
		return nil
	}
	var allErrs field.ErrorList
	numSources := 0
	if vf.FieldRef != nil {
		numSources++
		if vf.FieldRef.FieldPath == "" {
			allErrs = append(allErrs, field.Required(fldPath.Child("fieldRef", "fieldPath"), ""))
		}
	}
	if vf.ResourceFieldRef != nil {
		numSources++
		if vf.ResourceFieldRef.Resource == "" {
			allErrs = append(allErrs, field.Required(fldPath.Child("resourceFieldRef", "resource"), ""))
		}
	}
	if vf.ConfigMapKeyRef != nil {
		numSources++
		allErrs = append(allErrs, validateKeySelector(vf.ConfigMapKeyRef.Name, vf.ConfigMapKeyRef.Key, fldPath.Child("configMapKeyRef"))...)
	}
	if vf.SecretKeyRef != nil {
		numSources++
		allErrs = append(allErrs, validateKeySelector(vf.SecretKeyRef.Name, vf.SecretKeyRef.Key, fldPath.Child("secretKeyRef"))...)
	}
	switch {
	case numSources == 0:
		allErrs = append(allErrs, field.Invalid(fldPath, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case ev.Value != "":
		allErrs = append(allErrs, field.Invalid(fldPath, "", "may not be specified when `value` is not empty"))
	case numSources > 1:
		allErrs = append(allErrs, field.Invalid(fldPath, "", "may not have more than one field specified at a time"))
	}
	return allErrs
}

// validateKeySelector checks a configMapKeyRef or secretKeyRef.
func validateKeySelector(name, key string, fldPath *field.Path) field.ErrorList {
	allErrs := ValidateDNS1123Subdomain(name, fldPath.Child("name"))
	if key == "" {
		return append(allErrs, field.Required(fldPath.Child("key"), ""))
	}
	for _, msg := range validation.IsConfigMapKey(key) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("key"), key, msg))
	}
	return allErrs
}
