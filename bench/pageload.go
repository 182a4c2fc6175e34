package bench

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Resource is one entry of the page's Performance Resource Timing (the
// navigation entry included): what the browser fetched to show the page.
type Resource struct {
	Name            string  `json:"name"`
	Initiator       string  `json:"initiatorType"`
	TransferSize    float64 `json:"transferSize"`    // headers + body as sent
	EncodedBodySize float64 `json:"encodedBodySize"` // body as sent
	DecodedBodySize float64 `json:"decodedBodySize"` // body after Content-Encoding
}

// BodySizes is how big one fetched file is, three ways.
type BodySizes struct {
	// Served is the body as the server sent it.
	Served int
	// Raw is the content fully uncompressed: a gzip file (our
	// app.wasm.gz, which the page inflates itself) counts inflated.
	Raw int
	// Gzip is what a server compressing with gzip -9 would send: gzip
	// files as they are, anything else compressed.
	Gzip int
}

// Sizes measures body, a file as served.
func Sizes(body []byte) (BodySizes, error) {
	s := BodySizes{Served: len(body), Raw: len(body), Gzip: len(body)}
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return s, err
		}
		n, err := io.Copy(io.Discard, zr)
		if err != nil {
			return s, err
		}
		s.Raw = int(n)
		return s, nil
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return s, err
	}
	zw.Write(body) // a bytes.Buffer does not fail
	if err := zw.Close(); err != nil {
		return s, err
	}
	s.Gzip = buf.Len()
	return s, nil
}

// LoadResult is BenchmarkPageLoad's figures for one client.
type LoadResult struct {
	Client string
	// Per run, from navigation start, on the first visit with a fresh
	// browser profile: the screen canvas first showing the desktop (every
	// probe pixel equal to the X framebuffer), and for our page also
	// body[data-state=connected] and the firstframe event.
	Complete, Connected, FirstFrame []time.Duration
	// Repeat is Complete for a second visit in the same profile.
	Repeat []time.Duration
	// RepeatCache says where the repeat visit's files came from (one run).
	RepeatCache CacheUse
	// Over the page's resources (one run; they are the same every run):
	Requests int
	Transfer int64 // Resource Timing transferSize: headers and bodies as sent
	Bytes    BodySizes
}

// CacheUse counts where the files of a page visit came from, by their
// Resource Timing entries.
type CacheUse struct {
	Cached      int // from the HTTP cache, no request (transferSize 0)
	Revalidated int // a conditional request answered 304 (only headers sent)
	Fetched     int // sent in full
}

// Add counts one Resource Timing entry.
func (c *CacheUse) Add(r Resource) {
	switch {
	case r.TransferSize == 0:
		c.Cached++
	case r.EncodedBodySize > 0 && r.TransferSize < r.EncodedBodySize:
		c.Revalidated++
	default:
		c.Fetched++
	}
}

func (c CacheUse) String() string {
	return fmt.Sprintf("%d/%d/%d", c.Cached, c.Revalidated, c.Fetched)
}

// LoadTable formats page-load results: medians with the range of runs,
// and the bytes of the page.
func LoadTable(rs []LoadResult) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "client\tdesktop shown ms\tconnected ms\tfirstframe ms\trepeat visit ms\trepeat cached/304/fetched\t"+
		"requests\ttransfer KiB\tserved KiB\traw KiB\tgzip -9 KiB\t")
	for _, r := range rs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n", r.Client,
			msRange(r.Complete), msRange(r.Connected), msRange(r.FirstFrame), msRange(r.Repeat), r.RepeatCache, r.Requests,
			kib(r.Transfer), kib(int64(r.Bytes.Served)), kib(int64(r.Bytes.Raw)), kib(int64(r.Bytes.Gzip)))
	}
	w.Flush()
	return b.String()
}

// msRange is "median (min-max)" in milliseconds, "-" for no samples.
func msRange(ds []time.Duration) string {
	var seen []time.Duration
	for _, d := range ds {
		if d > 0 {
			seen = append(seen, d)
		}
	}
	if len(seen) == 0 {
		return "-"
	}
	lo, hi := seen[0], seen[0]
	for _, d := range seen {
		lo, hi = min(lo, d), max(hi, d)
	}
	ms := func(d time.Duration) int64 { return d.Round(time.Millisecond).Milliseconds() }
	s := fmt.Sprintf("%d (%d-%d)", ms(Median(seen)), ms(lo), ms(hi))
	if len(seen) < len(ds) {
		s += fmt.Sprintf(" [%d of %d runs]", len(seen), len(ds))
	}
	return s
}

func kib(n int64) string { return fmt.Sprintf("%.1f", float64(n)/1024) }
