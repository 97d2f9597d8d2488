package engine

// SetRebalanceHook has f called with the units' observers (indices in the
// order given to Run) each time a rebalance moves observers, until the
// returned function is called.
func SetRebalanceHook(f func(members [][]int)) (reset func()) {
	rebalanceHook = f
	return func() { rebalanceHook = nil }
}

// CostEvery is how often (in frames) a unit's observers are timed.
const CostEvery = costEvery
