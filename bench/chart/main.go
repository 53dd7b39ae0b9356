// Command chart draws the throughput chart of bench/results.md: grouped
// bars of requests per second by test, redis-server next to our server,
// one panel per benchmark mode (e.g. no pipelining, -P 16), each panel on
// its own scale. The ratio ours/redis is written above each group.
//
// Input (stdin or -in) is tab-separated, one line per test and mode:
//
//	panel title <TAB> test <TAB> redis rps <TAB> our rps [<TAB> redis min <TAB> redis max <TAB> our min <TAB> our max]
//
// The optional last four fields (e.g. the slowest and fastest of the
// rounds whose median is the bar) are drawn as a whisker on each bar.
//
// Panels and tests appear in the order of their first line. Test names are
// shortened at " (" ("MSET (10 keys)" becomes "MSET"; a second test of the
// same short name, like redis-benchmark's "LPUSH (needed to benchmark
// LRANGE)", gets " (2nd)"). Standard library only.
//
//	go run ./bench/chart -in rows.tsv -o bench/throughput.svg -title "..." -subtitle "..."
package main

import (
	"bufio"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

type panel struct {
	title  string
	tests  []string
	vals   [][2]float64
	ranges [][2][2]float64 // per test, per series: min, max; zero when absent
}

func parse(r io.Reader) ([]*panel, error) {
	var panels []*panel
	byTitle := map[string]*panel{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 4 && len(f) != 8 {
			return nil, fmt.Errorf("line %d: want 4 or 8 tab-separated fields, got %d", line, len(f))
		}
		nums := make([]float64, len(f)-2)
		for i := range nums {
			x, err := strconv.ParseFloat(strings.TrimSpace(f[2+i]), 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
			nums[i] = x
		}
		v := [2]float64{nums[0], nums[1]}
		var rg [2][2]float64
		if len(nums) == 6 {
			rg = [2][2]float64{{nums[2], nums[3]}, {nums[4], nums[5]}}
		}
		p := byTitle[f[0]]
		if p == nil {
			p = &panel{title: f[0]}
			byTitle[f[0]] = p
			panels = append(panels, p)
		}
		name, _, _ := strings.Cut(f[1], " (")
		if slices.Contains(p.tests, name) {
			name += " (2nd)" // redis-benchmark's LPUSH before LRANGE
		}
		p.tests = append(p.tests, name)
		p.vals = append(p.vals, v)
		p.ranges = append(p.ranges, rg)
	}
	return panels, sc.Err()
}

// niceStep picks a round tick step so that max fits in about five ticks.
func niceStep(max float64) float64 {
	if max <= 0 {
		return 1
	}
	raw := max / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

func human(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func render(w io.Writer, panels []*panel, title, subtitle, nameA, nameB string) {
	const (
		width   = 1000.0
		left    = 70.0
		right   = 20.0
		top     = 80.0
		panelH  = 300.0
		plotH   = 220.0
		colorA  = "#c0392b"
		colorB  = "#2471a3"
		fontCSS = "font-family:Helvetica,Arial,sans-serif"
	)
	height := top + panelH*float64(len(panels)) + 10
	e := html.EscapeString
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" style="%s">`+"\n",
		width, height, width, height, fontCSS)
	fmt.Fprintf(w, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(w, `<text x="%.0f" y="28" font-size="18" font-weight="bold">%s</text>`+"\n", left, e(title))
	fmt.Fprintf(w, `<text x="%.0f" y="48" font-size="12" fill="#555">%s</text>`+"\n", left, e(subtitle))
	// Legend.
	lx := width - right - 330
	fmt.Fprintf(w, `<rect x="%.0f" y="58" width="12" height="12" fill="%s"/><text x="%.0f" y="69" font-size="12">%s</text>`+"\n", lx, colorA, lx+16, e(nameA))
	fmt.Fprintf(w, `<rect x="%.0f" y="58" width="12" height="12" fill="%s"/><text x="%.0f" y="69" font-size="12">%s</text>`+"\n", lx+170, colorB, lx+186, e(nameB))

	plotW := width - left - right
	for pi, p := range panels {
		y0 := top + panelH*float64(pi) + 30 // top of the plot area
		base := y0 + plotH
		max := 0.0
		for i, v := range p.vals {
			max = math.Max(max, math.Max(v[0], v[1]))
			max = math.Max(max, math.Max(p.ranges[i][0][1], p.ranges[i][1][1]))
		}
		step := niceStep(max)
		ymax := math.Ceil(max*1.06/step) * step // room for the ratio labels
		if ymax == 0 {
			ymax = 1
		}
		fmt.Fprintf(w, `<text x="%.0f" y="%.0f" font-size="14" font-weight="bold">%s</text>`+"\n", left, y0-12, e(p.title))
		for t := 0.0; t <= ymax+step/2; t += step {
			y := base - t/ymax*plotH
			fmt.Fprintf(w, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, width-right, y)
			fmt.Fprintf(w, `<text x="%.0f" y="%.1f" font-size="11" text-anchor="end" fill="#555">%s</text>`+"\n", left-6, y+4, human(t))
		}
		fmt.Fprintf(w, `<text transform="translate(16 %.0f) rotate(-90)" font-size="11" text-anchor="middle" fill="#555">requests/s</text>`+"\n", y0+plotH/2)
		groupW := plotW / float64(len(p.tests))
		barW := groupW * 0.34
		for i, name := range p.tests {
			gx := left + groupW*float64(i)
			for s, color := range []string{colorA, colorB} {
				v := p.vals[i][s]
				h := v / ymax * plotH
				x := gx + groupW*0.15 + barW*float64(s)
				fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %.0f rps</title></rect>`+"\n",
					x, base-h, barW, h, color, e(name), e([]string{nameA, nameB}[s]), v)
				if lo, hi := p.ranges[i][s][0], p.ranges[i][s][1]; hi > 0 {
					cx := x + barW/2
					ylo, yhi := base-lo/ymax*plotH, base-hi/ymax*plotH
					fmt.Fprintf(w, `<path d="M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f" stroke="#222" stroke-width="1" fill="none"/>`+"\n",
						cx, ylo, yhi, cx-4, ylo, cx+4, cx-4, yhi, cx+4)
				}
			}
			ratio := "n/a"
			if p.vals[i][0] > 0 {
				ratio = fmt.Sprintf("%.2f×", p.vals[i][1]/p.vals[i][0])
			}
			peak := math.Max(math.Max(p.vals[i][0], p.vals[i][1]), math.Max(p.ranges[i][0][1], p.ranges[i][1][1])) / ymax * plotH
			fmt.Fprintf(w, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle" fill="#333">%s</text>`+"\n", gx+groupW/2, base-peak-5, ratio)
			fmt.Fprintf(w, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%s</text>`+"\n", gx+groupW/2, base+16, e(name))
		}
		fmt.Fprintf(w, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#333"/>`+"\n", left, base, width-right, base)
	}
	note := "number above each group: ours / redis"
	if hasRanges(panels) {
		note = "bars: median of the rounds; whiskers: slowest to fastest round; " + note
	}
	fmt.Fprintf(w, `<text x="70" y="%.0f" font-size="10" fill="#777">%s</text>`+"\n", height-4, e(note))
	fmt.Fprintln(w, "</svg>")
}

func hasRanges(panels []*panel) bool {
	for _, p := range panels {
		for _, r := range p.ranges {
			if r[0][1] > 0 || r[1][1] > 0 {
				return true
			}
		}
	}
	return false
}

func main() {
	in := flag.String("in", "-", "input TSV (panel, test, redis rps, our rps); - for stdin")
	out := flag.String("o", "-", "output SVG; - for stdout")
	title := flag.String("title", "Throughput: autobot-redis vs redis-server", "chart title")
	subtitle := flag.String("subtitle", "", "line under the title")
	nameA := flag.String("a", "redis-server", "name of the reference series")
	nameB := flag.String("b", "autobot-redis", "name of our series")
	flag.Parse()

	r := io.Reader(os.Stdin)
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		r = f
	}
	panels, err := parse(r)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(panels) == 0 {
		fmt.Fprintln(os.Stderr, "chart: no data")
		os.Exit(1)
	}
	var sb strings.Builder
	render(&sb, panels, *title, *subtitle, *nameA, *nameB)
	if *out == "-" {
		fmt.Print(sb.String())
		return
	}
	if err := os.WriteFile(*out, []byte(sb.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
