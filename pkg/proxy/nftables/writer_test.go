package nftables

import (
	"context"
	"fmt"
	"math/rand"
	"net/netip"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/proxy/model"
	"github.com/svcnet/svcnet/pkg/proxy/nfttrace"
)

func TestSessionAffinity(t *testing.T) {
	fake := newFake()
	sticky := service("ns", "sticky", "172.30.0.60",
		[]*model.Endpoint{ep("10.180.0.1:80", "node1"), ep("10.180.1.1:80", "node2")}, affinity(90*time.Second))
	fullSync(t, NewWriter(testCfg), fake, sticky)

	var sets []string
	for name, s := range fake.Table.Sets {
		if !strings.HasPrefix(name, affinitySetPrefix) {
			continue
		}
		sets = append(sets, name)
		if s.Timeout == nil || *s.Timeout != 90*time.Second {
			t.Errorf("set %s timeout = %v, want 90s", name, s.Timeout)
		}
	}
	if len(sets) != 2 {
		t.Fatalf("want one affinity set per endpoint, got %v", sets)
	}
	svcChain := namesForPort(sticky.Ports[0]).service
	for _, e := range sticky.Endpoints[sticky.Ports[0].Name.Key()] {
		set := affinitySetName(sticky.Ports[0], e, 90*time.Second)
		epChain := endpointChainName(sticky.Ports[0], e)
		wantRule(t, fake, epChain, "update @"+set+" { ip saddr }")
		wantRule(t, fake, svcChain, "ip saddr @"+set+" goto "+epChain)
	}

	// The first connection may go to either endpoint; once the kernel
	// remembers the client, it sticks.
	tr, err := nfttrace.NewFromFake(fake, []netip.Addr{nodeIP})
	if err != nil {
		t.Fatal(err)
	}
	pkt := nfttrace.Packet{Src: netip.MustParseAddr("10.180.2.7"), Dst: netip.MustParseAddr("172.30.0.60"), DPort: 80, Protocol: "tcp"}
	first, err := tr.Trace(pkt)
	if err != nil || len(first.Paths) != 2 {
		t.Fatalf("first trace: %v, %d paths", err, len(first.Paths))
	}
	tr.Commit(first.Paths[1])
	again, err := tr.Trace(pkt)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := again.String(), first.Paths[1].DNAT.String(); got != want {
		t.Errorf("second connection = %q, want sticky %q", got, want)
	}

	// A new timeout makes new sets; the old ones go with their rules.
	longer := service("ns", "sticky", "172.30.0.60", sticky.Endpoints[sticky.Ports[0].Name.Key()], affinity(time.Hour))
	w := NewWriter(testCfg)
	fake2 := newFake()
	fullSync(t, w, fake2, sticky)
	partialSync(t, w, fake2, Change{Old: sticky, New: longer})
	for name, s := range fake2.Table.Sets {
		if strings.HasPrefix(name, affinitySetPrefix) && *s.Timeout != time.Hour {
			t.Errorf("set %s keeps timeout %v after the change", name, *s.Timeout)
		}
	}
}

func wantRule(t *testing.T, fake *knftables.Fake, chain, text string) {
	t.Helper()
	c := fake.Table.Chains[chain]
	if c == nil {
		t.Fatalf("no chain %s", chain)
	}
	for _, r := range c.Rules {
		if r.Rule == text {
			return
		}
	}
	t.Errorf("chain %s has no rule %q", chain, text)
}

// TestPartialSyncTouchesOnlyTheChangedService checks the transaction of a
// partial sync: only the changed Service's objects appear in it.
func TestPartialSyncTouchesOnlyTheChangedService(t *testing.T) {
	fake := newFake()
	w := NewWriter(testCfg)
	services := flowServices()
	fullSync(t, w, fake, services...)

	old := services[1] // ns2/np
	cur := service("ns2", "np", "172.30.0.42",
		[]*model.Endpoint{ep("10.180.0.1:8080", "node1"), ep("10.180.3.3:8080", "node3")}, nodePort(3001))
	tx := partialSync(t, w, fake, Change{Old: old, New: cur})

	text := tx.String()
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if !strings.Contains(line, "ns2/np/") && !strings.Contains(line, "172.30.0.42") && !strings.Contains(line, "3001") {
			t.Errorf("partial sync touches something else: %s", line)
		}
	}
	for _, want := range []string{"10.180.3.3", "flush chain ip svcnet service-"} {
		if !strings.Contains(text, want) {
			t.Errorf("transaction lacks %q:\n%s", want, text)
		}
	}
	// The unchanged endpoint's chain is not rewritten.
	unchanged := endpointChainName(cur.Ports[0], ep("10.180.0.1:8080", "node1"))
	if strings.Contains(text, "flush chain ip svcnet "+unchanged) {
		t.Errorf("unchanged endpoint chain %s rewritten", unchanged)
	}
	if got := trace(t, fake, "10.180.2.7", "172.30.0.42", 80, "tcp").String(); got != "10.180.0.1:8080, 10.180.3.3:8080" {
		t.Errorf("after the partial sync: %s", got)
	}
	// The removed endpoint's chain stays, empty, until Cleanup.
	gone := endpointChainName(old.Ports[0], ep("10.180.1.1:8080", "node2"))
	if c := fake.Table.Chains[gone]; c == nil || len(c.Rules) != 0 {
		t.Fatalf("stale chain %s should be kept empty: %+v", gone, c)
	}
	if n, err := w.Cleanup(context.Background(), fake, time.Now()); err != nil || n != 0 {
		t.Fatalf("cleanup before the delay: %d, %v", n, err)
	}
	if n, err := w.Cleanup(context.Background(), fake, time.Now().Add(2*StaleDelay)); err != nil || n != 1 {
		t.Fatalf("cleanup after the delay: %d, %v", n, err)
	}
	if fake.Table.Chains[gone] != nil {
		t.Errorf("stale chain %s not deleted", gone)
	}
}

// TestPartialSyncsMatchFullSync applies random changes with partial syncs
// and checks that the table ends up exactly as a full sync writes it.
func TestPartialSyncsMatchFullSync(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	fake := newFake()
	w := NewWriter(testCfg)
	state := map[string]*model.Service{}
	for _, s := range flowServices() {
		state[s.Name.String()] = s
	}
	fullSync(t, w, fake, values(state)...)
	for round := 0; round < 60; round++ {
		var changes []Change
		for i := 0; i < 1+rng.Intn(3); i++ {
			// Each Service has its own ClusterIP and ports, as allocated.
			idx := rng.Intn(8)
			name := fmt.Sprintf("ns-r/svc%d", idx)
			cur := randomService(rng, name, idx)
			if cur == nil && state[name] == nil {
				continue
			}
			changes = append(changes, Change{Old: state[name], New: cur})
			if cur == nil {
				delete(state, name)
			} else {
				state[name] = cur
			}
		}
		partialSync(t, w, fake, dedupe(changes)...)
	}
	if _, err := w.Cleanup(context.Background(), fake, time.Now().Add(2*StaleDelay)); err != nil {
		t.Fatal(err)
	}
	want := newFake()
	fullSync(t, NewWriter(testCfg), want, values(state)...)
	if got, exp := sortedDump(fake), sortedDump(want); got != exp {
		t.Errorf("partial syncs diverge from a full sync:\n--- partial\n%s\n--- full\n%s", got, exp)
	}
	if w.Counts() != NewWriterCounts(t, state) {
		t.Errorf("counts after partial syncs %+v differ from a full sync's %+v", w.Counts(), NewWriterCounts(t, state))
	}
}

// NewWriterCounts returns the counts a full sync of state reports.
func NewWriterCounts(t *testing.T, state map[string]*model.Service) Counts {
	w := NewWriter(testCfg)
	fullSync(t, w, newFake(), values(state)...)
	return w.Counts()
}

// dedupe folds several changes of one Service into one, as the trackers
// do.
func dedupe(changes []Change) []Change {
	byName := map[string]int{}
	var out []Change
	for _, c := range changes {
		name := nameOf(c)
		if i, ok := byName[name]; ok {
			out[i].New = c.New
			continue
		}
		byName[name] = len(out)
		out = append(out, c)
	}
	return out
}

func nameOf(c Change) string {
	if c.Old != nil {
		return c.Old.Name.String()
	}
	return c.New.Name.String()
}

// randomService returns a Service with random features, or nil (deleted).
func randomService(rng *rand.Rand, name string, n int) *model.Service {
	if rng.Intn(6) == 0 {
		return nil
	}
	ns, svcName, _ := strings.Cut(name, "/")
	var eps []*model.Endpoint
	for i := 0; i < rng.Intn(4); i++ {
		states := [][]string{nil, nil, {"terminating"}, {"notready"}}
		eps = append(eps, ep(fmt.Sprintf("10.180.%d.%d:80", rng.Intn(3), 10+rng.Intn(5)), fmt.Sprintf("node%d", 1+rng.Intn(2)), states[rng.Intn(4)]...))
	}
	eps = uniqueEndpoints(eps)
	var opts []svcOpt
	if rng.Intn(2) == 0 {
		opts = append(opts, nodePort(uint16(31000+n)))
	}
	if rng.Intn(3) == 0 {
		opts = append(opts, lbIP(fmt.Sprintf("5.6.8.%d", n)), sourceRange("203.0.113.0/24"))
	}
	if rng.Intn(3) == 0 {
		opts = append(opts, affinity(time.Duration(1+rng.Intn(2))*time.Hour))
	}
	if rng.Intn(3) == 0 {
		opts = append(opts, externalLocal())
	}
	if rng.Intn(4) == 0 {
		opts = append(opts, internalLocal())
	}
	return service(ns, svcName, fmt.Sprintf("172.30.1.%d", n), eps, opts...)
}

func uniqueEndpoints(eps []*model.Endpoint) []*model.Endpoint {
	seen := map[netip.AddrPort]bool{}
	var out []*model.Endpoint
	for _, e := range eps {
		if !seen[e.Addr] {
			seen[e.Addr] = true
			out = append(out, e)
		}
	}
	return out
}

func values(m map[string]*model.Service) []*model.Service {
	var out []*model.Service
	for _, s := range m {
		out = append(out, s)
	}
	return out
}

// TestFullSyncAdoptsLeftovers starts from a table a previous run left
// behind: the first full sync replaces it atomically and the leftovers
// are cleaned up.
func TestFullSyncAdoptsLeftovers(t *testing.T) {
	fake := newFake()
	tx := fake.NewTransaction()
	tx.Add(&knftables.Table{})
	tx.Add(&knftables.Chain{Name: "service-OLD-gone/svc/tcp/p80"})
	tx.Add(&knftables.Rule{Chain: "service-OLD-gone/svc/tcp/p80", Rule: "drop"})
	tx.Add(&knftables.Map{Name: serviceIPsMap, Type: "ipv4_addr . inet_proto . inet_service : verdict"})
	tx.Add(&knftables.Element{Map: serviceIPsMap, Key: []string{"172.30.0.99", "tcp", "80"}, Value: []string{"goto service-OLD-gone/svc/tcp/p80"}})
	tx.Add(&knftables.Set{Name: "old-set", Type: "ipv4_addr"})
	tx.Add(&knftables.Counter{Name: "old-counter"})
	if err := fake.Run(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(testCfg)
	fullSync(t, w, fake, flowServices()...)
	if w.StaleCount() != 3 {
		t.Errorf("stale objects = %d, want the 3 leftovers", w.StaleCount())
	}
	if _, err := w.Cleanup(context.Background(), fake, time.Now().Add(2*StaleDelay)); err != nil {
		t.Fatalf("cleanup: %v", err)
	}
	if w.StaleCount() != 0 {
		t.Errorf("stale objects left: %d", w.StaleCount())
	}
	want := newFake()
	fullSync(t, NewWriter(testCfg), want, flowServices()...)
	if sortedDump(fake) != sortedDump(want) {
		t.Errorf("adopted table differs from a fresh one:\n%s", fake.Dump())
	}
	if got := trace(t, fake, "10.180.2.7", "172.30.0.99", 80, "tcp").String(); got != "DROP" {
		t.Errorf("old Service IP = %s, want DROP (unallocated)", got)
	}
}
