package engine

import (
	"flag"
	"os"
	"strconv"
	"testing"
)

// parallelTests is how many tests marked t.Parallel run at once when the
// command line does not say (-parallel). The default, GOMAXPROCS, is 2 on
// the CI's machine, while this package's tests mostly wait: on SMTP round
// trips over loopback, rate pacing, retry and back-off timers. A run of
// go test -count=1 -v ./mta/engine took 319 s of wall time and 78 s of
// CPU (user + sys) at a load average of 6 to 8.
//
// The tests that measure time or rates (learned limits, per-second peaks,
// how long a delivery took), those with timeouts of a second or less, those
// that need submission to outpace delivery, the two that queue thousands
// of messages, and those that dial a port freePort gave back are not
// marked t.Parallel: they run one at a time before the parallel ones
// start, as they did before. A new test should be marked t.Parallel when
// it is none of these.
const parallelTests = 8

func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", strconv.Itoa(parallelTests)); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
