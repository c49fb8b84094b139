package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const goBench = `BenchmarkIssueServer/ECDSA_P256-2   8496   300000 ns/op   33991 B/op   508 allocs/op
BenchmarkServerCertRPC/create-2   459   5000000 ns/op
BenchmarkServerCertRPC/plan-2   1057   2600000 ns/op
BenchmarkServerCertRPC/plan_refresh-2   886   3200000 ns/op
BenchmarkFrameworkFloorRPC/create-2   594   4000000 ns/op
BenchmarkFrameworkFloorRPC/plan-2   964   2500000 ns/op
BenchmarkFrameworkFloorRPC/plan_refresh-2   648   3100000 ns/op
`

func TestReport(t *testing.T) {
	samples := write(t, "samples", strings.Join([]string{
		"local apply 3.0 1.5 40960",
		"local apply 1.0 0.9 51200",
		"local apply 2.0 1.2 20480",
		"http plan 1.0 0.5 10240",
		"malformed line",
	}, "\n"))
	steps, err := readSamples(samples)
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Backend: "local", Step: "apply", WallMin: 1, WallMedian: 2, CPUMedian: 1.2, PeakRSSMiB: 50, Repetitions: 3},
		{Backend: "http", Step: "plan", WallMin: 1, WallMedian: 1, CPUMedian: 0.5, PeakRSSMiB: 10, Repetitions: 1},
	}
	if len(steps) != len(want) {
		t.Fatalf("steps = %+v", steps)
	}
	for i := range want {
		if steps[i] != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, steps[i], want[i])
		}
	}

	inProc, err := readGoBench(write(t, "gobench", goBench))
	if err != nil {
		t.Fatal(err)
	}
	if inProc.Issue != 300 || inProc.ProviderCreate != 5000 || inProc.FloorCreate != 4000 || inProc.FloorPlan != 2500 {
		t.Errorf("in process = %+v", inProc)
	}

	base := Results{N: 100, Certificates: 111, Steps: []Step{{Backend: "local", Step: "apply", WallMedian: 0.1, CPUMedian: 0.12}}}
	b, _ := json.Marshal(base)
	r := Results{N: 1000, Certificates: 1011, Steps: steps, InProcessUS: inProc}
	r.Targets = targets(r, write(t, "base.json", string(b)))
	if got := r.Targets.ApplyCPUPerCertUS; got < 1186 || got > 1188 { // 1.2 s / 1011 certificates
		t.Errorf("apply CPU per certificate = %v µs", got)
	}
	if r.Targets.ApplyCPUWithinTwice || !r.Targets.RSSUnder100MiB {
		t.Errorf("targets = %+v", r.Targets)
	}
	if g := r.Targets.WallGrowth["local/apply"]; g != 20 {
		t.Errorf("local/apply growth = %v, want 20", g)
	}
	out := report(r)
	for _, s := range []string{"local/apply", "wall  20.0x (not met)", "provider CPU 10.0x", "target 2x: not met", "target under 100 MiB: met"} {
		if !strings.Contains(out, s) {
			t.Errorf("report lacks %q:\n%s", s, out)
		}
	}
}

func TestReadGoBenchRequiresTheBenchmarks(t *testing.T) {
	if _, err := readGoBench(write(t, "gobench", "PASS\n")); err == nil {
		t.Error("readGoBench accepted output without benchmarks")
	}
}
