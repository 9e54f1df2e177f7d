package wasmta

// Lookup returns the value of key in the data table named table (ABI
// v1.4): the calling tenant's table of that name, else the global one;
// built-in tables start with "@" ("@suppressed", "@pools", "@sources").
// ok is false when the table or the key does not exist. A decision that
// read a table is cached only while the table keeps its version, so
// route, classify and shape may use Lookup freely. At most 64 lookups and
// 1 MiB of values per call: past them the host faults the call.
//
// In a native build (unit tests) it reads the tables given to SetTable.
func Lookup(table, key string) (value string, ok bool) { return lookup(table, key) }
