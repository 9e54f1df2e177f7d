// Package tablefile reads the files a data table is pushed as (CSV with a
// header, or JSON lines), row by row, with the checks a row must pass and
// errors that name the line: what `wasmta table push` stores (mta/tables)
// and what `wasmta policy test` reads from a case file. It holds at most
// one line at a time and never more than its byte limit.
package tablefile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Formats of a pushed table.
const (
	FormatCSV   = "csv"   // a header line, then one row per record; the key column and the value columns
	FormatJSONL = "jsonl" // one JSON object per line: {"key": "...", "value": ...}
)

// Limits of one row.
const (
	MaxKeyBytes   = 1024
	MaxValueBytes = 64 << 10
	maxLineBytes  = 1 << 20
)

// RowError is a row refused: the line it starts on and the problem.
type RowError struct {
	Line    int
	Problem string
}

func (e *RowError) Error() string {
	if e.Line == 0 {
		return e.Problem
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Problem)
}

// Bytes implements Reader.
func (c *csvReader) Bytes() int64 { return c.lim.max - c.lim.left }

// Bytes implements Reader.
func (j *jsonlReader) Bytes() int64 { return j.lim.max - j.lim.left }

func rowErr(line int, format string, args ...any) error {
	return &RowError{Line: line, Problem: fmt.Sprintf(format, args...)}
}

// ErrTooLarge is wrapped by the error of a push past tables.max_bytes.
var ErrTooLarge = errors.New("table larger than tables.max_bytes")

// Reader yields the rows of a table file, one at a time.
type Reader interface {
	// Next returns the next row and the line it starts on, or io.EOF.
	Next() (key string, val []byte, line int, err error)
	// Bytes is how many bytes were read so far.
	Bytes() int64
}

// Spec says how to read a pushed table.
type Spec struct {
	Format string // FormatCSV or FormatJSONL
	// KeyColumn names the CSV column holding the key; "" = the first.
	KeyColumn string
}

// NewReader reads r as spec says; r is bounded to max bytes and to lines
// of at most 1 MiB, so no input makes it buffer more. A malformed header
// is an error here.
func NewReader(r io.Reader, spec Spec, max int64) (Reader, error) {
	lim := &limitReader{r: r, left: max, max: max}
	switch spec.Format {
	case FormatCSV:
		return newCSVReader(lim, spec.KeyColumn)
	case FormatJSONL:
		return &jsonlReader{lim: lim, br: bufio.NewReaderSize(lim, 64<<10)}, nil
	}
	return nil, fmt.Errorf("unknown table format %q (want csv or jsonl)", spec.Format)
}

// limitReader refuses input past max bytes, and lines longer than
// maxLineBytes, counting lines for error messages.
type limitReader struct {
	r        io.Reader
	left     int64
	max      int64
	line     int // lines seen complete
	lineLen  int
	tooLarge bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One byte more tells a body of exactly max bytes from a larger one.
		var one [1]byte
		if n, _ := io.ReadFull(l.r, one[:]); n > 0 {
			l.tooLarge = true
			return 0, fmt.Errorf("%w (%d bytes)", ErrTooLarge, l.max)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	for _, c := range p[:n] {
		if c == '\n' {
			l.line++
			l.lineLen = 0
			continue
		}
		if l.lineLen++; l.lineLen > maxLineBytes {
			return 0, rowErr(l.line+1, "line longer than %d bytes (binary data?)", maxLineBytes)
		}
	}
	return n, err
}

// checkText refuses what is not a line of text: invalid UTF-8 or a NUL.
func checkText(line int, what, s string) error {
	if !utf8.ValidString(s) {
		return rowErr(line, "%s is not valid UTF-8 (binary data?)", what)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return rowErr(line, "%s holds a NUL byte (binary data?)", what)
	}
	return nil
}

func checkRow(line int, key string, val []byte) error {
	switch {
	case key == "":
		return rowErr(line, "empty key")
	case len(key) > MaxKeyBytes:
		return rowErr(line, "key of %d bytes, more than %d", len(key), MaxKeyBytes)
	case len(val) > MaxValueBytes:
		return rowErr(line, "value of %d bytes, more than %d", len(val), MaxValueBytes)
	}
	return nil
}

// csvReader reads CSV with a header: the key column, and one value column
// (the value is its text) or several (the value is a JSON object of them,
// in header order).
type csvReader struct {
	r      *csv.Reader
	lim    *limitReader
	header []string
	keyCol int
}

func newCSVReader(lim *limitReader, keyColumn string) (*csvReader, error) {
	r := csv.NewReader(lim)
	r.ReuseRecord = true
	c := &csvReader{r: r, lim: lim}
	h, err := r.Read()
	if err != nil {
		return nil, c.readErr(err, "header")
	}
	c.header = append([]string(nil), h...)
	if err := c.checkHeader(keyColumn); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *csvReader) checkHeader(keyColumn string) error {
	seen := map[string]bool{}
	for _, name := range c.header {
		if err := checkText(1, "header", name); err != nil {
			return err
		}
		if name == "" || seen[name] {
			return rowErr(1, "header: empty or repeated column name %q", name)
		}
		seen[name] = true
	}
	if len(c.header) < 2 {
		return rowErr(1, "header has %d column; want the key column and at least one value column", len(c.header))
	}
	c.keyCol = 0
	if keyColumn != "" {
		c.keyCol = -1
		for i, name := range c.header {
			if name == keyColumn {
				c.keyCol = i
			}
		}
		if c.keyCol < 0 {
			return rowErr(1, "header has no key column %q (columns: %s)", keyColumn, strings.Join(c.header, ", "))
		}
	}
	return nil
}

// readErr names the line of a CSV error (a wrong column count, a bad
// quote) or passes on a limit's error.
func (c *csvReader) readErr(err error, what string) error {
	var pe *csv.ParseError
	var re *RowError
	switch {
	case errors.Is(err, io.EOF) && what == "header":
		return rowErr(0, "empty table: want a header line")
	case errors.As(err, &re), errors.Is(err, ErrTooLarge):
		return err
	case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
		return rowErr(pe.StartLine, "wrong number of columns: want %d as in the header", len(c.header))
	case errors.As(err, &pe):
		if errors.As(pe.Err, &re) || errors.Is(pe.Err, ErrTooLarge) {
			return pe.Err
		}
		return rowErr(pe.StartLine, "%v", pe.Err)
	}
	return err
}

func (c *csvReader) Next() (string, []byte, int, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return "", nil, 0, io.EOF
	}
	if err != nil {
		return "", nil, 0, c.readErr(err, "row")
	}
	line, _ := c.r.FieldPos(0)
	for _, f := range rec {
		if err := checkText(line, "a field", f); err != nil {
			return "", nil, line, err
		}
	}
	key := strings.Clone(rec[c.keyCol])
	var val []byte
	if len(rec) == 2 {
		val = []byte(rec[1-c.keyCol])
	} else {
		val = c.object(rec)
	}
	return key, val, line, checkRow(line, key, val)
}

// object encodes the value columns of rec as a JSON object.
func (c *csvReader) object(rec []string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range rec {
		if i == c.keyCol {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(c.header[i])
		val, _ := json.Marshal(f)
		b.Write(name)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// jsonlReader reads one object per line: {"key": "K", "value": V}; a
// string V is the value's text, any other JSON is kept as compact JSON.
// Blank lines are skipped.
type jsonlReader struct {
	lim  *limitReader
	br   *bufio.Reader
	line int
}

type jsonRow struct {
	Key   *string         `json:"key"`
	Value json.RawMessage `json:"value"`
}

func (j *jsonlReader) Next() (string, []byte, int, error) {
	for {
		raw, err := j.br.ReadBytes('\n')
		if len(raw) == 0 && err != nil {
			if err == io.EOF {
				return "", nil, 0, io.EOF
			}
			return "", nil, j.line + 1, err
		}
		j.line++
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		key, val, perr := j.parse(raw)
		if perr == nil {
			perr = checkRow(j.line, key, val)
		}
		return key, val, j.line, perr
	}
}

func (j *jsonlReader) parse(raw []byte) (string, []byte, error) {
	if !utf8.Valid(raw) || bytes.IndexByte(raw, 0) >= 0 {
		return "", nil, rowErr(j.line, "not valid UTF-8 text (binary data?)")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var row jsonRow
	if err := dec.Decode(&row); err != nil {
		return "", nil, rowErr(j.line, "not a JSON object {\"key\": ..., \"value\": ...}: %v", err)
	}
	if dec.More() {
		return "", nil, rowErr(j.line, "more than one JSON value on the line")
	}
	if row.Key == nil || row.Value == nil {
		return "", nil, rowErr(j.line, "want both \"key\" (a string) and \"value\"")
	}
	var s string
	if json.Unmarshal(row.Value, &s) == nil {
		return *row.Key, []byte(s), nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, row.Value); err != nil {
		return "", nil, rowErr(j.line, "value: %v", err)
	}
	return *row.Key, b.Bytes(), nil
}
