package admin

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/shaping"
)

// checkActionSelector refuses a selector no path can ever match: a
// provider name the MX table does not know ("gmail" for "google") would
// start an action that silently covers nothing.
func checkActionSelector(sel shaping.Selector) error {
	if p := strings.ToLower(sel.Provider); p != "" && !slices.Contains(mx.ProviderNames(), p) {
		return Errorf(http.StatusBadRequest, "unknown provider %q: want one of %s", sel.Provider,
			strings.Join(mx.ProviderNames(), ", "))
	}
	return nil
}

// checkFor refuses an action's duration that is missing or negative, each
// with its own message.
func checkFor(d shaping.Duration) error {
	switch {
	case d < 0:
		return Errorf(http.StatusBadRequest, `"for" is negative (%v): an action lasts a positive time such as "30m"`, time.Duration(d))
	case d == 0:
		return Errorf(http.StatusBadRequest, `"for" is missing: how long the action lasts, a positive duration such as "30m"`)
	}
	return nil
}
