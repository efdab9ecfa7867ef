package nodenet

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/knftables"
)

func TestSyncRoutesAndMasquerade(t *testing.T) {
	client := fake.NewSimpleClientset(
		node("node1", "10.244.0.0/24", "192.0.2.11"),
		node("node2", "10.244.1.0/24", "192.0.2.12"),
	)
	factory := informers.NewSharedInformerFactory(client, 0)
	routes := &FakeRoutes{}
	// A stale route from a deleted node, owned by nodenet.
	_ = routes.Replace(route("10.244.9.0/24", "192.0.2.19"))
	nft := knftables.NewFake(knftables.IPv4Family, TableName)
	ctl, err := New(Config{Informers: factory, NodeName: "node1", ClusterCIDR: netip.MustParsePrefix("10.244.0.0/16"), Routes: routes, NFT: nft})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	for i := 0; i < 2; i++ { // idempotent
		if err := ctl.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := routes.List()
	if len(got) != 1 || got[0] != route("10.244.1.0/24", "192.0.2.12") {
		t.Fatalf("routes = %v, want only 10.244.1.0/24 via 192.0.2.12", got)
	}
	dump := nft.Dump()
	if !strings.Contains(dump, "ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 masquerade") {
		t.Fatalf("masquerade rule missing:\n%s", dump)
	}
	if n := strings.Count(dump, "masquerade"); n != 1 {
		t.Fatalf("%d masquerade rules after two syncs, want 1:\n%s", n, dump)
	}
}
