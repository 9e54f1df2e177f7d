//go:build !wasip1

package wasmta

import "sync"

var nativeTables struct {
	sync.RWMutex
	m map[string]map[string]string
}

// SetTable gives Lookup a table in a native build (unit tests of a
// policy); nil rows remove it. It does not exist in a wasm build: there
// the host holds the tables.
func SetTable(table string, rows map[string]string) {
	nativeTables.Lock()
	defer nativeTables.Unlock()
	if nativeTables.m == nil {
		nativeTables.m = map[string]map[string]string{}
	}
	if rows == nil {
		delete(nativeTables.m, table)
		return
	}
	nativeTables.m[table] = rows
}

func lookup(table, key string) (string, bool) {
	nativeTables.RLock()
	defer nativeTables.RUnlock()
	v, ok := nativeTables.m[table][key]
	return v, ok
}
