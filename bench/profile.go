package bench

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// CPUProfile is the part of a Chrome DevTools CPU profile (the JSON of
// Profiler.stop, also what DevTools saves as .cpuprofile) that TopSelf
// reads.
type CPUProfile struct {
	Nodes []struct {
		ID        int64 `json:"id"`
		CallFrame struct {
			FunctionName string `json:"functionName"`
			URL          string `json:"url"`
		} `json:"callFrame"`
	} `json:"nodes"`
	// Samples are the node ids of the top frame of each sample.
	Samples []int64 `json:"samples"`
}

// ParseCPUProfile decodes a .cpuprofile.
func ParseCPUProfile(b []byte) (*CPUProfile, error) {
	var p CPUProfile
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("bench: cpu profile: %w", err)
	}
	return &p, nil
}

// FuncShare is one function's share of the samples, in percent.
type FuncShare struct {
	Name  string
	Share float64
}

// TopSelf returns the k functions with the most self time, by share of
// the samples that were not idle. V8 names wasm functions after the
// module's name section, so a Go wasm binary must be built without -s for
// them to read as Go symbols.
func TopSelf(p *CPUProfile, k int) []FuncShare {
	name := map[int64]string{}
	for _, n := range p.Nodes {
		f := n.CallFrame.FunctionName
		if f == "" {
			f = "(anonymous " + n.CallFrame.URL + ")"
		}
		name[n.ID] = f
	}
	count := map[string]int{}
	total := 0
	for _, id := range p.Samples {
		f := name[id]
		if f == "(idle)" {
			continue
		}
		count[f]++
		total++
	}
	var out []FuncShare
	for f, n := range count {
		out = append(out, FuncShare{f, 100 * float64(n) / float64(total)})
	}
	slices.SortFunc(out, func(a, b FuncShare) int {
		return cmp.Or(cmp.Compare(b.Share, a.Share), strings.Compare(a.Name, b.Name))
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// FormatShares lists shares one per line, indented.
func FormatShares(fs []FuncShare) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %5.1f%%  %s\n", f.Share, f.Name)
	}
	return b.String()
}
