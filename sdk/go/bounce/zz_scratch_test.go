package bounce

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestScratch(t *testing.T) {
	f, _ := os.Open("/tmp/stock.txt")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.SplitN(sc.Text(), "|", 3)
		if len(p) < 3 {
			continue
		}
		code, _ := strconv.Atoi(p[0])
		r := Classify(code, "", p[2])
		mark := "  "
		if r.Category != p[1] {
			mark = "XX"
		}
		t.Logf("%s %-18s %-18s %-30s %s", mark, p[1], r.Category, r.Rule(), p[2])
	}
}
