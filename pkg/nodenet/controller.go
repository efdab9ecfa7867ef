package nodenet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/knftables"
)

// TableName is the nftables table nodenet owns.
const TableName = "svcnet-nodenet"

// Config configures a Controller.
type Config struct {
	// Informers provides the Node cache; the caller starts it.
	Informers informers.SharedInformerFactory
	// NodeName is this node.
	NodeName string
	// ClusterCIDR is the pod network; pod traffic leaving it is
	// masqueraded.
	ClusterCIDR netip.Prefix
	// Routes manages the routes; Netlink{} in the agent.
	Routes RouteManager
	// NFT programs the masquerade rule; nil skips masquerading.
	NFT knftables.Interface
	// Logger receives the controller's logs.
	Logger *slog.Logger
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	switch {
	case c.Informers == nil || c.Routes == nil:
		return errors.New("nodenet: Informers and Routes are required")
	case c.NodeName == "":
		return errors.New("nodenet: NodeName is required")
	case !c.ClusterCIDR.IsValid():
		return errors.New("nodenet: ClusterCIDR is required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Controller keeps the node's routes and masquerade rule in step.
type Controller struct {
	c       Config
	nodes   listersv1.NodeLister
	synced  cache.InformerSynced
	trigger chan struct{}
}

// New returns a Controller and registers its Node handler.
func New(c Config) (*Controller, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	inf := c.Informers.Core().V1().Nodes()
	ctl := &Controller{c: c, nodes: inf.Lister(), synced: inf.Informer().HasSynced, trigger: make(chan struct{}, 1)}
	kick := func(any) { ctl.kick() }
	if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: kick, DeleteFunc: kick, UpdateFunc: func(_, _ any) { ctl.kick() },
	}); err != nil {
		return nil, fmt.Errorf("nodenet: %w", err)
	}
	return ctl, nil
}

func (ctl *Controller) kick() {
	select {
	case ctl.trigger <- struct{}{}:
	default:
	}
}

// Run syncs on every Node change (and every minute) until ctx ends.
func (ctl *Controller) Run(ctx context.Context) {
	if !cache.WaitForCacheSync(ctx.Done(), ctl.synced) {
		return
	}
	ticker := time.NewTicker(time.Minute)
	defer ticker.Stop()
	ctl.kick()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-ctl.trigger:
		}
		if err := ctl.Sync(ctx); err != nil {
			ctl.c.Logger.Warn("node network sync failed", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Second):
				ctl.kick()
			}
		}
	}
}

// Sync makes the routes and the masquerade rule match the Nodes.
func (ctl *Controller) Sync(ctx context.Context) error {
	nodes, err := ctl.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	have, err := ctl.c.Routes.List()
	if err != nil {
		return err
	}
	replace, remove := Diff(have, DesiredRoutes(nodes, ctl.c.NodeName))
	var errs []error
	for _, r := range replace {
		errs = append(errs, ctl.c.Routes.Replace(r))
		ctl.c.Logger.Info("route to node pods", "dst", r.Dst, "via", r.Gw)
	}
	for _, r := range remove {
		errs = append(errs, ctl.c.Routes.Delete(r))
		ctl.c.Logger.Info("route removed", "dst", r.Dst, "via", r.Gw)
	}
	if ctl.c.NFT != nil {
		errs = append(errs, ctl.ensureMasquerade(ctx))
	}
	return errors.Join(errs...)
}

// ensureMasquerade (re)writes the masquerade rule in one transaction.
func (ctl *Controller) ensureMasquerade(ctx context.Context) error {
	tx := ctl.c.NFT.NewTransaction()
	tx.Add(&knftables.Table{Comment: knftables.PtrTo("svcnet node network")})
	tx.Add(&knftables.Chain{Name: "postrouting", Type: knftables.PtrTo(knftables.NATType),
		Hook: knftables.PtrTo(knftables.PostroutingHook), Priority: knftables.PtrTo(knftables.SNATPriority)})
	tx.Flush(&knftables.Chain{Name: "postrouting"})
	cidr := ctl.c.ClusterCIDR.String()
	tx.Add(&knftables.Rule{Chain: "postrouting",
		Rule:    knftables.Concat("ip saddr", cidr, "ip daddr !=", cidr, "masquerade"),
		Comment: knftables.PtrTo("pod traffic leaving the cluster network")})
	if err := ctl.c.NFT.Run(ctx, tx); err != nil {
		return fmt.Errorf("writing the masquerade rule: %w", err)
	}
	return nil
}
