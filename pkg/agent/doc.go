// Package agent is svcnet's node agent: the part of the kubelet that
// Service networking needs. It registers its Node, keeps the node's
// heartbeat, and runs the pods bound to the node through a
// runtime.Runtime, reporting their status back to the API.
//
// # Node
//
// Run creates (or updates) the Node with the well-known labels, its
// InternalIP and hostname addresses, its capacity (CPUs, memory from
// /proc/meminfo, 110 pods), its nodeInfo and a Ready condition (reason
// KubeletReady). It then renews the Lease kube-node-lease/<node> every
// HeartbeatInterval, re-posts the Ready condition every NodeStatusInterval,
// and waits for node IPAM to set spec.podCIDR (PodCIDR) before it runs any
// pod.
//
// # Pods
//
// A pod informer (fieldSelector spec.nodeName=<node>) feeds a work queue
// keyed by pod UID; workers run syncPod, which is idempotent and works
// from state: the pod from the informer cache, the processes from
// Runtime.ListSandboxes, and a small per-pod record (restart counts, last
// terminations, waiting reasons). A relist every RelistInterval notices
// exited processes, as the kubelet's PLEG does.
//
// For a pod to run, syncPod reserves its hostPorts, creates its sandbox
// (hostname, resolv.conf per dnsPolicy, /etc/hosts), and starts each
// container: a built-in workload when the image names one (argv: svcnet
// workload <name> --port <containerPort>... <command/args>), else its
// command. The environment is the kubelet's: envFrom, env (with $(VAR)
// expansion and the downward API), then the Service variables of package
// envvars. Exited containers restart per restartPolicy with the kubelet's
// crash-loop back-off (10s doubling to 5m), waiting meanwhile as
// CrashLoopBackOff. Probes (package probe) gate the containers' started
// and ready flags, and a failed liveness or startup probe restarts the
// container. The status (phase, IPs, conditions, container statuses) is
// computed by the pure computeStatus and written only when it changed.
//
// A pod with a deletionTimestamp has its containers stopped within its
// grace period, its sandbox removed, and is then deleted with grace 0 and
// a UID precondition. At start the agent adopts the sandboxes a previous
// agent left (they keep running) and removes those whose pods are gone.
package agent
