package server

import (
	"context"
	"time"
)

// runControllers runs the control loops until ctx ends.
func (s *Server) runControllers(ctx context.Context) {
	ticker := time.NewTicker(3 * time.Minute)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			// The allocation cache is a hint; refreshing it picks up what
			// other API servers allocated and released.
			if err := s.set.Allocator.Sync(ctx); err != nil {
				s.c.Logger.Warn("syncing service allocations", "err", err)
			}
		}
	}
}
