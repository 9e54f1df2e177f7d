package hostabi

import "reflect"

// equalResult compares decoded results; DeepEqual is exact for these
// plain structs, maps and slices.
func equalResult(got, want any) bool { return reflect.DeepEqual(got, want) }
