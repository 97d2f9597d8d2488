// Package result is the vocabulary every module's output shares: findings
// with their severity and evidence, pages and the byte budget, top lists,
// bounded counters, sliding windows, latency summaries, and the time and
// address forms of the output contract (docs/output-contract.md).
//
// It sits below the analyzer contract and the protocol modules and depends
// on the standard library only. A module that needs one of these imports it;
// it never defines its own.
package result
