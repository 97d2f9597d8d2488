package modkit

import (
	"reflect"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// Records are a module's rows for engines that scale past one machine
// (DuckDB, Spark, Trino): one table per kind of record, written as Parquet
// or JSON Lines by package records. A module hands each row to a Sink as
// soon as the row is final (a message decoded, a transaction answered or
// timed out, a connection closed), so an export holds no list of rows;
// its Output types stay as they are.

// Table is one table of records a module hands out.
type Table struct {
	// Name is the table's name, the "table=" partition ("dns").
	Name string
	// Row is the struct type of its rows. Its fields carry "parquet"
	// and "json" tags with the same column name; a time.Time field is
	// the row's timestamp, ts, and decides its date partition. Column
	// names are stable across versions (docs/records.md).
	Row reflect.Type
}

// TableOf declares the table name with rows of type T.
func TableOf[T any](name string) Table { return Table{Name: name, Row: reflect.TypeFor[T]()} }

// Sink receives rows. Put takes a pointer to a row of the table's Row
// type; the sink is done with it when Put returns, so a pass may reuse
// it. Passes of one engine pass call Put from different goroutines: a
// Sink is safe for concurrent use. Put does not fail: a sink that cannot
// write remembers its error and reports it when the export ends.
type Sink interface {
	Put(table string, row any)
}

// Recorder is a module whose shared-pass analysis can hand out records.
type Recorder interface {
	analyzer.Module
	// Tables are the tables its passes hand out.
	Tables() []Table
	// RecordPass is the module's shared-pass analysis (Passer.NewPass)
	// with its records put into sink as they become final, the last
	// ones by the time its Brief returns.
	RecordPass(env *analyzer.Env, sink Sink) (Pass, error)
}

// RecordObservers is RecordPass for a module whose observer hands out its
// rows as it goes: the pass newPass returns (a *SimplePass), with set
// called on each of its observers to give it the sink.
func RecordObservers[O engine.Observer](p Pass, err error, set func(O)) (Pass, error) {
	if err != nil {
		return nil, err
	}
	for _, o := range p.(*SimplePass).Obs {
		set(o.(O))
	}
	return p, nil
}

// RecordWarnings is p (a *SimplePass) with the warnings w returns when it
// concludes added to its brief (Brief.Warnings).
func RecordWarnings(p Pass, err error, w func() []string) (Pass, error) {
	if err != nil {
		return nil, err
	}
	sp := p.(*SimplePass)
	conclude := sp.Conclude
	sp.Conclude = func(res *engine.Result) Brief {
		b := conclude(res)
		b.Warnings = append(b.Warnings, w()...)
		return b
	}
	return sp, nil
}
