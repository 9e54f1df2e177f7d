package tablefile

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"unicode/utf8"
)

// FuzzReader: no input makes the reader panic, loop or return a row that
// breaks the row rules; every error is a *RowError or ErrTooLarge.
func FuzzReader(f *testing.F) {
	for _, s := range []string{"k,v\na,1\n", "k,a,b\nx,\"1,2\",3\n", "k,v\na\n", "{\"key\":\"a\",\"value\":[1]}\n",
		"k,v\n\xff,1\n", "\"k\nv\",x\n"} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, csv bool) {
		spec := Spec{Format: FormatJSONL}
		if csv {
			spec.Format = FormatCSV
		}
		r, err := NewReader(bytes.NewReader(data), spec, 1<<16)
		for err == nil {
			var key string
			var val []byte
			key, val, _, err = r.Next()
			if err == nil && (key == "" || !utf8.ValidString(key) || len(key) > MaxKeyBytes || len(val) > MaxValueBytes) {
				t.Fatalf("row %q = %q breaks the row rules", key, val)
			}
		}
		var re *RowError
		if err != io.EOF && !errors.As(err, &re) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("error %T %v", err, err)
		}
	})
}
