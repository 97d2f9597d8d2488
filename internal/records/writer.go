package records

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"reflect"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Formats.
const (
	Parquet = "parquet"
	JSONL   = "jsonl"
)

// rowsPerGroup is how many rows a Parquet writer buffers before it writes
// them out as a row group: what bounds an export's memory per open file.
const rowsPerGroup = 32 << 10

// pageBufferSize is how many bytes of values each column of a Parquet
// writer buffers before it encodes them as a page. The writer allocates
// this much per column up front (parquet-go's default is 256 KiB): with
// six tables of 20 to 30 columns open at once that is over 30 MiB, so a
// smaller page keeps an export's memory to its modules' state.
const pageBufferSize = 64 << 10

// writer is a modkit.Sink writing the rows of one capture under a root
// directory, one file per table and date:
// table=<table>/date=<YYYY-MM-DD>/part-<capture>.<format>. Files are
// written under hidden temporary names (ignored by DuckDB, Spark and
// Trino) and take their names only in commit, once the capture's hash is
// known, never replacing a file.
type writer struct {
	root   *os.Root
	format string
	tables map[string]*tableInfo

	mu    sync.Mutex
	files map[fileKey]*partFile
	order []fileKey
	err   error
	seq   int
}

// tableInfo is what the writer knows of one table.
type tableInfo struct {
	modkit.Table
	tsField []int // the index of the row's time.Time field
	schema  *parquet.Schema
	rows    int64
}

type fileKey struct {
	table, date string
}

// partFile is one file being written.
type partFile struct {
	tmp  string // path under the root
	f    *os.File
	buf  *bufio.Writer
	pw   *parquet.Writer
	enc  *json.Encoder
	rows int64
	grp  int
}

var timeType = reflect.TypeFor[time.Time]()

func newWriter(root *os.Root, format string, tables []modkit.Table) (*writer, error) {
	w := &writer{root: root, format: format, tables: map[string]*tableInfo{}, files: map[fileKey]*partFile{}}
	for _, t := range tables {
		ti := &tableInfo{Table: t}
		for i := range t.Row.NumField() {
			if t.Row.Field(i).Type == timeType {
				ti.tsField = []int{i}
				break
			}
		}
		if ti.tsField == nil {
			return nil, fmt.Errorf("records: table %s has no time.Time column", t.Name)
		}
		if format == Parquet {
			ti.schema = parquet.SchemaOf(reflect.New(t.Row).Interface())
		}
		w.tables[t.Name] = ti
	}
	return w, nil
}

// Put writes one row (a pointer to the table's row type).
func (w *writer) Put(table string, row any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return
	}
	ti := w.tables[table]
	if ti == nil {
		return // a table not asked for
	}
	v := reflect.ValueOf(row).Elem()
	ts := v.FieldByIndex(ti.tsField).Interface().(time.Time)
	key := fileKey{table, ts.UTC().Format(time.DateOnly)}
	pf := w.files[key]
	if pf == nil {
		if pf, w.err = w.open(key, ti); w.err != nil {
			return
		}
	}
	switch {
	case pf.pw != nil:
		w.err = pf.pw.Write(row)
		pf.grp++
		if w.err == nil && pf.grp >= rowsPerGroup {
			pf.grp = 0
			w.err = pf.pw.Flush()
		}
	default:
		w.err = pf.enc.Encode(row)
	}
	pf.rows++
	ti.rows++
}

func (w *writer) open(key fileKey, ti *tableInfo) (*partFile, error) {
	dir := path.Join("table="+key.table, "date="+key.date)
	if err := w.root.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	w.seq++
	tmp := path.Join(dir, fmt.Sprintf(".tmp-%d-%d.%s", os.Getpid(), w.seq, w.format))
	f, err := w.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", tmp, err)
	}
	pf := &partFile{tmp: tmp, f: f, buf: bufio.NewWriterSize(f, 256<<10)}
	if w.format == Parquet {
		pf.pw = parquet.NewWriter(pf.buf, ti.schema, parquet.Compression(&parquet.Snappy), parquet.PageBufferSize(pageBufferSize),
			parquet.CreatedBy("mcpacket", "", ""))
	} else {
		pf.enc = json.NewEncoder(pf.buf)
		pf.enc.SetEscapeHTML(false)
	}
	w.files[key] = pf
	w.order = append(w.order, key)
	return pf, nil
}

// finalName is where a file of capture id lands.
func finalName(key fileKey, id, format string) string {
	return path.Join("table="+key.table, "date="+key.date, "part-"+id+"."+format)
}

// close finishes every file (Parquet footers, buffers).
func (w *writer) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.err
	for _, k := range w.order {
		pf := w.files[k]
		if pf.pw != nil {
			err = errors.Join(err, pf.pw.Close())
		}
		err = errors.Join(err, pf.buf.Flush(), pf.f.Sync(), pf.f.Close())
	}
	return err
}

// existing lists the files of capture id already in place (a capture
// exported before).
func (w *writer) existing(id string) []string {
	var out []string
	for _, k := range w.order {
		name := finalName(k, id, w.format)
		if _, err := w.root.Lstat(name); err == nil {
			out = append(out, name)
		}
	}
	return out
}

// commit gives every file its final name, never replacing one, and
// returns the names per table.
func (w *writer) commit(id string) (map[string][]string, error) {
	out := map[string][]string{}
	var errs []error
	for _, k := range w.order {
		pf := w.files[k]
		name := finalName(k, id, w.format)
		if err := w.root.Link(pf.tmp, name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		out[k.table] = append(out[k.table], name)
	}
	w.discard()
	return out, errors.Join(errs...)
}

// discard removes the temporary files.
func (w *writer) discard() {
	for _, k := range w.order {
		w.root.Remove(w.files[k].tmp)
	}
}
