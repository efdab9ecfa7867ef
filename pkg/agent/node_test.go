package agent

import (
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var testSysInfo = SystemInfo{
	NumCPU: 2, MemoryBytes: 4 << 30, OSImage: "Debian GNU/Linux 13 (trixie)", KernelVersion: "6.12.0",
	Architecture: "amd64", OperatingSystem: "linux",
}

func TestNodeStatus(t *testing.T) {
	old := corev1.NodeStatus{Conditions: []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown", LastTransitionTime: metav1.NewTime(t0)},
		{Type: "example.com/Custom", Status: corev1.ConditionTrue},
	}}
	now := t0.Add(time.Minute)
	st := nodeStatus(old, "node-a", netip.MustParseAddr("192.0.2.1"), testSysInfo, 110, 10250, now)
	if len(st.Addresses) != 2 || st.Addresses[0].Type != corev1.NodeInternalIP || st.Addresses[0].Address != "192.0.2.1" || st.Addresses[1].Address != "node-a" {
		t.Errorf("addresses %v", st.Addresses)
	}
	if st.Capacity.Cpu().Value() != 2 || st.Capacity.Memory().Value() != 4<<30 || st.Capacity.Pods().Value() != 110 || st.Allocatable.Pods().Value() != 110 {
		t.Errorf("capacity %v", st.Capacity)
	}
	if st.DaemonEndpoints.KubeletEndpoint.Port != 10250 {
		t.Errorf("daemon endpoint %+v", st.DaemonEndpoints)
	}
	ni := st.NodeInfo
	if ni.OSImage != testSysInfo.OSImage || ni.KernelVersion != "6.12.0" || ni.Architecture != "amd64" || ni.OperatingSystem != "linux" ||
		ni.ContainerRuntimeVersion != "svcnet://"+ni.KubeletVersion {
		t.Errorf("nodeInfo %+v", ni)
	}
	var ready *corev1.NodeCondition
	for i := range st.Conditions {
		if st.Conditions[i].Type == corev1.NodeReady {
			ready = &st.Conditions[i]
		}
	}
	if ready == nil || ready.Status != corev1.ConditionTrue || ready.Reason != "KubeletReady" || ready.Message != "kubelet is posting ready status" ||
		!ready.LastHeartbeatTime.Time.Equal(now) || !ready.LastTransitionTime.Time.Equal(now) {
		t.Errorf("Ready %+v", ready)
	}
	if len(st.Conditions) != 5 || st.Conditions[4].Type != "example.com/Custom" {
		t.Errorf("conditions %v", st.Conditions)
	}
	// The next post keeps the transition time and moves the heartbeat.
	later := now.Add(time.Minute)
	st2 := nodeStatus(st, "node-a", netip.MustParseAddr("192.0.2.1"), testSysInfo, 110, 0, later)
	for _, c := range st2.Conditions {
		if c.Type == corev1.NodeReady && (!c.LastTransitionTime.Time.Equal(now) || !c.LastHeartbeatTime.Time.Equal(later)) {
			t.Errorf("second post Ready %+v", c)
		}
	}
	l := nodeLabels("node-a", testSysInfo, map[string]string{"role": "lab"})
	if l[corev1.LabelHostname] != "node-a" || l[corev1.LabelOSStable] != "linux" || l[corev1.LabelArchStable] != "amd64" || l["role"] != "lab" {
		t.Errorf("labels %v", l)
	}
}

func TestParseSystemFiles(t *testing.T) {
	mem, err := parseMemTotal([]byte("MemTotal:        8023456 kB\nMemFree:  1 kB\n"))
	if err != nil || mem != 8023456*1024 {
		t.Errorf("parseMemTotal = %d, %v", mem, err)
	}
	if _, err := parseMemTotal([]byte("MemFree: 1 kB\n")); err == nil {
		t.Errorf("parseMemTotal without MemTotal succeeded")
	}
	osr := "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nID=debian\n"
	if got := parseOSRelease([]byte(osr)); got != "Debian GNU/Linux 13 (trixie)" {
		t.Errorf("parseOSRelease = %q", got)
	}
	if got := parseOSRelease(nil); got != "Unknown" {
		t.Errorf("parseOSRelease(nil) = %q", got)
	}
	si, err := ReadSystemInfo()
	if err != nil || si.NumCPU < 1 || si.MemoryBytes <= 0 || si.KernelVersion == "" {
		t.Errorf("ReadSystemInfo = %+v, %v", si, err)
	}
}

func TestConfigValidate(t *testing.T) {
	var c Config
	if err := c.Validate(); err == nil {
		t.Errorf("empty config validated")
	}
}
