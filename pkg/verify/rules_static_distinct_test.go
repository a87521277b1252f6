package verify

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestDistinct holds distinct (a hash set of positions) to the plain
// definition: the trimmed non-empty values in order, each once, and those
// seen again, each once, in the order of their second sighting. Random
// lists of few values (many repeats) and of many (past the table's first
// sizes) cover the collisions and the set of duplicates.
func TestDistinct(t *testing.T) {
	naive := func(values []string) (unique, dups []string) {
		for _, v := range values {
			v = strings.TrimSpace(v)
			switch {
			case v == "":
			case !slices.Contains(unique, v):
				unique = append(unique, v)
			case !slices.Contains(dups, v):
				dups = append(dups, v)
			}
		}
		return unique, dups
	}
	cases := [][]string{
		nil,
		{},
		{"", " ", "\t"},
		{"i-1"},
		{"i-1", " i-1 ", "i-1", "i-2", "", "i-2", "i-3"},
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{3, 9, 40, 300, 3000} {
		for _, kinds := range []int{2, n / 2, 2 * n} {
			values := make([]string, n)
			for i := range values {
				values[i] = fmt.Sprintf("i-0c%015x", rnd.IntN(kinds+1))
				if rnd.IntN(20) == 0 {
					values[i] = " "
				}
			}
			cases = append(cases, values)
		}
	}
	for _, values := range cases {
		unique, dups := distinct(values)
		wantUnique, wantDups := naive(values)
		if !slices.Equal(unique, wantUnique) || !slices.Equal(dups, wantDups) {
			t.Errorf("distinct(%d values) = %d unique, %d dups; want %d, %d", len(values), len(unique), len(dups), len(wantUnique), len(wantDups))
		}
	}
}

// TestIndexOf holds indexOf and index to slices.Index: the first
// position of every value, repeats included, and none for values absent.
func TestIndexOf(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 3, 9, 40, 300} {
		strs := make([]string, n)
		for i := range strs {
			strs[i] = fmt.Sprintf("10.0.%d.%d", rnd.IntN(3), rnd.IntN(n+1))
		}
		p := indexOf(strs)
		for _, v := range append(slices.Clone(strs), "10.0.9.9", "", "i-0") {
			i, ok := p.index(strs, v)
			if want := slices.Index(strs, v); i != want || ok != (want >= 0) {
				t.Fatalf("n=%d: index(%q) = %d, %v; want %d", n, v, i, ok, want)
			}
		}
	}
}
