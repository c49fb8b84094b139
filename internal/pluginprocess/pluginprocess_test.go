package pluginprocess

import (
	"os"
	"strings"
	"testing"
)

func TestQuietLogsUnlessRequested(t *testing.T) {
	for _, name := range logRequestVars {
		t.Setenv(name, "")
	}
	QuietLogsUnlessRequested()
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"} {
		if got := os.Getenv(name); got != "OFF" {
			t.Errorf("without a log request %s = %q, want OFF", name, got)
		}
	}
	for _, name := range logRequestVars {
		t.Setenv(name, "")
	}
	t.Setenv("TF_LOG", "trace")
	QuietLogsUnlessRequested()
	if got := os.Getenv("TF_LOG_SDK"); got != "" {
		t.Errorf("with TF_LOG set, TF_LOG_SDK = %q, want it left alone", got)
	}
}

func TestReportRusage(t *testing.T) {
	path := t.TempDir() + "/rusage.txt"
	t.Setenv(rusageEnv, path)
	ReportRusage()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(b)); len(f) != 3 || f[2] == "0" {
		t.Errorf("rusage line %q, want user, system and a peak RSS", b)
	}
	if peakRSSKiB(-1) <= 0 {
		t.Error("no VmHWM read from /proc/self/status")
	}
}
