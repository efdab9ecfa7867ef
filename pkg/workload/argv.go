package workload

import "strconv"

// Argv builds the argv that Main takes, for the agent to run as
// "svcnet workload" followed by it: the workload name, one --port for each
// container port, then the container's command and args, which the agent
// should pass joined (command first), as busybox's "sleep 3600" may sit in
// either.
func Argv(name string, ports []int32, commandAndArgs []string) []string {
	out := make([]string, 0, 1+2*len(ports)+len(commandAndArgs))
	out = append(out, name)
	for _, p := range ports {
		out = append(out, "--port", strconv.Itoa(int(p)))
	}
	return append(out, commandAndArgs...)
}
