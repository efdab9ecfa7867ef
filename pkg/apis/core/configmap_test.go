package core

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateConfigMap(t *testing.T) {
	tests := []struct {
		name   string
		data   map[string]string
		binary map[string][]byte
		want   []string
	}{
		{name: "valid", data: map[string]string{"nginx.conf": "x", "a_b-c.1": "y"}, binary: map[string][]byte{"logo.png": {1}}},
		{
			name: "bad key",
			data: map[string]string{"a/b": "x"},
			want: []string{`data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`},
		},
		{
			name:   "key in both maps",
			data:   map[string]string{"k": "x"},
			binary: map[string][]byte{"k": {1}},
			want:   []string{`data[k]: Invalid value: "k": duplicate of key present in binaryData`},
		},
		{
			name:   "too large",
			data:   map[string]string{"a": strings.Repeat("x", 1<<19)},
			binary: map[string][]byte{"b": make([]byte, 1<<19+1)},
			want:   []string{"[]: Too long: may not be more than 1048576 bytes"}, // kube-apiserver prints "[]" too
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "default"}, Data: tc.data, BinaryData: tc.binary}
			checkErrors(t, ValidateConfigMap(cm), tc.want)
		})
	}
}

func TestValidateConfigMapUpdate(t *testing.T) {
	tests := []struct {
		name      string
		immutable *bool
		edit      func(*corev1.ConfigMap)
		want      []string
	}{
		{name: "mutable data change", edit: func(cm *corev1.ConfigMap) { cm.Data["k"] = "new" }},
		{name: "immutable metadata change", immutable: ptr(true), edit: func(cm *corev1.ConfigMap) { cm.Labels = map[string]string{"a": "b"} }},
		{
			name:      "immutable data change",
			immutable: ptr(true),
			edit:      func(cm *corev1.ConfigMap) { cm.Data["k"] = "new"; cm.BinaryData = map[string][]byte{"b": {1}} },
			want: []string{
				"data: Forbidden: field is immutable when `immutable` is set",
				"binaryData: Forbidden: field is immutable when `immutable` is set",
			},
		},
		{
			name:      "immutable may not be unset",
			immutable: ptr(true),
			edit:      func(cm *corev1.ConfigMap) { cm.Immutable = nil },
			want:      []string{"immutable: Forbidden: field is immutable when `immutable` is set"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "default", ResourceVersion: "4"},
				Data: map[string]string{"k": "v"}, Immutable: tc.immutable}
			cm := old.DeepCopy()
			tc.edit(cm)
			checkErrors(t, ValidateConfigMapUpdate(cm, old), tc.want)
		})
	}
}
