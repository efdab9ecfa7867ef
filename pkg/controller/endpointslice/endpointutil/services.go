package endpointutil

import (
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// ServiceKeysSelecting returns the keys ("namespace/name") of the Services
// in ns whose selectors match any of the label sets. Pod callbacks use it
// with a pod's old and new labels, so that a relabelled pod syncs both the
// Services it left and those it joined.
func ServiceKeysSelecting(services corelisters.ServiceLister, ns string, labelSets ...map[string]string) []string {
	svcs, err := services.Services(ns).List(labels.Everything())
	if err != nil {
		return nil
	}
	var keys []string
	for _, svc := range svcs {
		for _, l := range labelSets {
			if SelectorMatches(svc.Spec.Selector, l) {
				keys = append(keys, svc.Namespace+"/"+svc.Name)
				break
			}
		}
	}
	return keys
}
