// Command benchreport turns the samples scripts/bench.sh collects into the
// results file and the table it prints.
//
//	benchreport -samples FILE -gobench FILE -n N -m M -alg ALG -repeat R -machine TEXT -out FILE [-baseline FILE]
//
// A sample line is "backend step wall_seconds cpu_seconds peak_rss_kib":
// one terraform command, with the CPU time and peak memory of the provider
// processes it ran. The Go benchmark file is `go test -bench` output. With
// -baseline (the results of a smaller run), it also reports how wall time
// and CPU grew with the number of certificates.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Step is one terraform command, measured REPEAT times.
type Step struct {
	Backend     string  `json:"backend"`
	Step        string  `json:"step"`
	WallMin     float64 `json:"wall_min_s"`
	WallMedian  float64 `json:"wall_median_s"`
	CPUMedian   float64 `json:"provider_cpu_median_s"`
	PeakRSSMiB  float64 `json:"provider_peak_rss_mib"`
	Repetitions int     `json:"repetitions"`
}

// Results is the results file.
type Results struct {
	N            int     `json:"n"`
	M            int     `json:"m"`
	Certificates int     `json:"certificates"`
	Algorithm    string  `json:"algorithm"`
	Machine      string  `json:"machine"`
	Steps        []Step  `json:"steps"`
	InProcessUS  InProc  `json:"in_process_us_per_certificate"`
	Targets      Targets `json:"targets"`
}

// InProc is the Go benchmarks' time per certificate, in microseconds.
type InProc struct {
	Issue            float64 `json:"issue"`
	ProviderCreate   float64 `json:"provider_create"`
	FloorCreate      float64 `json:"framework_floor_create"`
	ProviderPlan     float64 `json:"provider_plan"`
	FloorPlan        float64 `json:"framework_floor_plan"`
	ProviderRefresh  float64 `json:"provider_plan_refresh"`
	FloorPlanRefresh float64 `json:"framework_floor_plan_refresh"`
}

// Targets are the issue's targets, as measured.
type Targets struct {
	ApplyCPUPerCertUS   float64            `json:"apply_provider_cpu_us_per_certificate"`
	ApplyCPUVsIssue     float64            `json:"apply_cpu_vs_go_issue"`
	MaxPeakRSSMiB       float64            `json:"max_provider_peak_rss_mib"`
	BaselineN           int                `json:"baseline_n,omitempty"`
	WallGrowth          map[string]float64 `json:"wall_growth_vs_baseline,omitempty"`
	ProviderCPUGrowth   map[string]float64 `json:"provider_cpu_growth_vs_baseline,omitempty"`
	NGrowth             float64            `json:"n_growth_vs_baseline,omitempty"`
	RSSUnder100MiB      bool               `json:"provider_memory_under_100_mib"`
	ApplyCPUWithinTwice bool               `json:"apply_cpu_within_2x_of_issue"`
}

func main() {
	var (
		samples, gobench, out, baseline, alg, machine string
		n, m                                          int
	)
	flag.StringVar(&samples, "samples", "", "sample file")
	flag.StringVar(&gobench, "gobench", "", "go test -bench output")
	flag.StringVar(&out, "out", "", "results file to write")
	flag.StringVar(&baseline, "baseline", "", "results of a smaller run to compare with")
	flag.StringVar(&alg, "alg", "", "key algorithm")
	flag.StringVar(&machine, "machine", "", "machine description")
	flag.IntVar(&n, "n", 0, "server certificates")
	flag.IntVar(&m, "m", 0, "client certificates")
	flag.Parse()

	r := Results{N: n, M: m, Certificates: n + m + 1, Algorithm: alg, Machine: machine}
	steps, err := readSamples(samples)
	if err != nil {
		log.Fatal(err)
	}
	r.Steps = steps
	if r.InProcessUS, err = readGoBench(gobench); err != nil {
		log.Fatal(err)
	}
	r.Targets = targets(r, baseline)
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil { //nolint:gosec // results are not secret
		log.Fatal(err)
	}
	fmt.Print(report(r))
}

func readSamples(path string) ([]Step, error) {
	f, err := os.Open(path) //nolint:gosec // a path bench.sh chose
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	type key struct{ backend, step string }
	var order []key
	wall, cpu := map[key][]float64{}, map[key][]float64{}
	rss := map[key]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 5 {
			continue
		}
		k := key{fields[0], fields[1]}
		if _, seen := wall[k]; !seen {
			order = append(order, k)
		}
		w, _ := strconv.ParseFloat(fields[2], 64)
		c, _ := strconv.ParseFloat(fields[3], 64)
		kib, _ := strconv.ParseFloat(fields[4], 64)
		wall[k] = append(wall[k], w)
		cpu[k] = append(cpu[k], c)
		rss[k] = max(rss[k], kib/1024)
	}
	steps := make([]Step, 0, len(order))
	for _, k := range order {
		steps = append(steps, Step{
			Backend: k.backend, Step: k.step, WallMin: slices.Min(wall[k]), WallMedian: median(wall[k]),
			CPUMedian: median(cpu[k]), PeakRSSMiB: rss[k], Repetitions: len(wall[k]),
		})
	}
	return steps, sc.Err()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// readGoBench reads ns/op of the benchmarks bench.sh runs.
func readGoBench(path string) (InProc, error) {
	b, err := os.ReadFile(path) //nolint:gosec // a path bench.sh chose
	if err != nil {
		return InProc{}, err
	}
	us := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") || fields[3] != "ns/op" {
			continue
		}
		name := fields[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		ns, _ := strconv.ParseFloat(fields[2], 64)
		us[name] = ns / 1000
	}
	p := InProc{
		ProviderCreate: us["BenchmarkServerCertRPC/create"], FloorCreate: us["BenchmarkFrameworkFloorRPC/create"],
		ProviderPlan: us["BenchmarkServerCertRPC/plan"], FloorPlan: us["BenchmarkFrameworkFloorRPC/plan"],
		ProviderRefresh: us["BenchmarkServerCertRPC/plan_refresh"], FloorPlanRefresh: us["BenchmarkFrameworkFloorRPC/plan_refresh"],
	}
	for name, v := range us {
		if strings.HasPrefix(name, "BenchmarkIssueServer/") {
			p.Issue = v
		}
	}
	if p.Issue == 0 || p.ProviderCreate == 0 || p.FloorCreate == 0 {
		return p, fmt.Errorf("%s: missing benchmark results", path)
	}
	return p, nil
}

func targets(r Results, baselinePath string) Targets {
	t := Targets{}
	for _, s := range r.Steps {
		t.MaxPeakRSSMiB = max(t.MaxPeakRSSMiB, s.PeakRSSMiB)
		if s.Step == "apply" && t.ApplyCPUPerCertUS == 0 {
			t.ApplyCPUPerCertUS = s.CPUMedian / float64(r.Certificates) * 1e6
		}
	}
	t.ApplyCPUVsIssue = t.ApplyCPUPerCertUS / r.InProcessUS.Issue
	t.ApplyCPUWithinTwice = t.ApplyCPUVsIssue <= 2
	t.RSSUnder100MiB = t.MaxPeakRSSMiB < 100
	if baselinePath == "" {
		return t
	}
	b, err := os.ReadFile(baselinePath) //nolint:gosec // a path bench.sh chose
	if err != nil {
		return t
	}
	var base Results
	if json.Unmarshal(b, &base) != nil || base.Certificates == 0 {
		return t
	}
	t.BaselineN = base.N
	t.NGrowth = float64(r.N) / float64(base.N)
	t.WallGrowth, t.ProviderCPUGrowth = map[string]float64{}, map[string]float64{}
	for _, s := range r.Steps {
		for _, bs := range base.Steps {
			if bs.Backend == s.Backend && bs.Step == s.Step && bs.WallMedian > 0 {
				name := s.Backend + "/" + s.Step
				t.WallGrowth[name] = s.WallMedian / bs.WallMedian
				if bs.CPUMedian > 0 {
					t.ProviderCPUGrowth[name] = s.CPUMedian / bs.CPUMedian
				}
			}
		}
	}
	return t
}

func report(r Results) string {
	w := &strings.Builder{}
	fmt.Fprintf(w, "\n%d server + %d client certificates and a CA, %s, on %s\n\n", r.N, r.M, r.Algorithm, r.Machine)
	fmt.Fprintf(w, "%-8s %-24s %10s %12s %14s %14s\n", "backend", "step", "wall min", "wall median", "provider CPU", "provider RSS")
	for _, s := range r.Steps {
		cpu, rss := fmt.Sprintf("%.2fs", s.CPUMedian), fmt.Sprintf("%.1f MiB", s.PeakRSSMiB)
		if strings.HasPrefix(s.Step, "control_") {
			cpu, rss = "-", "-"
		}
		fmt.Fprintf(w, "%-8s %-24s %9.2fs %11.2fs %14s %14s\n", s.Backend, s.Step, s.WallMin, s.WallMedian, cpu, rss)
	}
	p := r.InProcessUS
	fmt.Fprintf(w, "\nin process, per certificate: issue %.0f µs; provider create %.0f µs, of which the framework's floor %.0f µs; "+
		"no-change plan %.0f µs (floor %.0f), with refresh %.0f µs (floor %.0f)\n",
		p.Issue, p.ProviderCreate, p.FloorCreate, p.ProviderPlan, p.FloorPlan, p.ProviderRefresh, p.FloorPlanRefresh)
	t := r.Targets
	fmt.Fprintf(w, "apply: provider CPU %.0f µs per certificate, %.1fx the bare issuance (target 2x: %s)\n",
		t.ApplyCPUPerCertUS, t.ApplyCPUVsIssue, verdict(t.ApplyCPUWithinTwice))
	fmt.Fprintf(w, "provider peak RSS %.1f MiB (target under 100 MiB: %s)\n", t.MaxPeakRSSMiB, verdict(t.RSSUnder100MiB))
	if t.BaselineN > 0 {
		names := make([]string, 0, len(t.WallGrowth))
		for name := range t.WallGrowth {
			names = append(names, name)
		}
		slices.Sort(names)
		limit := 1.1 * t.NGrowth
		fmt.Fprintf(w, "growth from N=%d to N=%d (target: wall time at most %.0fx):\n", t.BaselineN, r.N, limit)
		for _, name := range names {
			cpu := "-"
			if c := t.ProviderCPUGrowth[name]; c > 0 {
				cpu = fmt.Sprintf("%.1fx", c)
			}
			fmt.Fprintf(w, "  %-22s wall %5.1fx (%s)  provider CPU %s\n", name, t.WallGrowth[name], verdict(t.WallGrowth[name] <= limit), cpu)
		}
	}
	return w.String()
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}
