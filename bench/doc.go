// Package bench holds svcnet's benchmarks: Go benchmark functions that run
// real components side by side with a baseline in the same run, and report
// medians and percentiles. RESULTS.md records each figure with the command
// that produced it.
package bench
