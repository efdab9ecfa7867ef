package lab

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
)

// BenchmarkUpDown3Nodes measures building and removing a 3-node lab.
func BenchmarkUpDown3Nodes(b *testing.B) {
	requireLab(b)
	ctx := context.Background()
	c := testConfig(b, 3)
	c.Logger = slog.New(slog.DiscardHandler)
	cleanupLab(b, c)
	for i := 0; b.Loop(); i++ {
		c.RunDir = filepath.Join(b.TempDir(), "run")
		if _, err := Up(ctx, c); err != nil {
			b.Fatal(err)
		}
		if err := Down(ctx, c.RunDir, nil); err != nil {
			b.Fatal(err)
		}
	}
}
