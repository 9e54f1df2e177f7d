//go:build wasip1

package wasmta

func logLine(level int, msg string) { hostLog(int32(level), msg) }
