package callgrind

//go:noescape
func clientRequest(args *[6]uint64) uint64
