//go:build race

package dfilter_test

// raceEnabled: the race detector makes sync.Pool (regexp's machines) drop
// items, so allocation counts mean nothing under it.
const raceEnabled = true
