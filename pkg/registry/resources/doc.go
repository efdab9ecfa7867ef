// Package resources defines every resource svcnet's API server serves: its
// group, version, kind and names, its strategy (defaulting and validation
// from pkg/apis), its selectable fields, and its subresources. New wires
// them to a storage.Store and returns them ready for the apiserver package.
package resources
