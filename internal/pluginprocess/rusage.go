package pluginprocess

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
)

// rusageEnv names a file to which the provider appends its CPU time and
// peak memory when it exits. `make bench` sets it to measure the provider's
// share of a fleet's apply and plan; nothing else does.
const rusageEnv = "DOCKERTLS_RUSAGE_FILE"

// cpuProfileEnv names a file prefix for a CPU profile of each provider
// process, for `make bench PROFILE=1`.
const cpuProfileEnv = "DOCKERTLS_CPUPROFILE"

// StartCPUProfile starts profiling when cpuProfileEnv is set and returns
// the function that stops it.
func StartCPUProfile() func() {
	prefix := os.Getenv(cpuProfileEnv)
	if prefix == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%d.pprof", prefix, os.Getpid())) //nolint:gosec // a path the operator chose for profiling
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }
}

// ReportRusage appends "user_seconds system_seconds peak_rss_kib" for this
// process to the file named by rusageEnv, if set.
func ReportRusage() {
	path := os.Getenv(rusageEnv)
	if path == "" {
		return
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600) //nolint:gosec // a path the operator chose for make bench
	if err != nil {
		return
	}
	defer func() { _ = f.Close() }()
	seconds := func(tv syscall.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }
	_, _ = fmt.Fprintf(f, "%.6f %.6f %d\n", seconds(ru.Utime), seconds(ru.Stime), peakRSSKiB(ru.Maxrss))
}

// peakRSSKiB is the process's own peak resident set: VmHWM from
// /proc/self/status. ru_maxrss cannot be used on Linux: execve carries the
// high-water mark of the process image it replaces into it, and Go's
// os/exec starts a provider from a vfork that shares Terraform's memory, so
// ru_maxrss reports Terraform's size (60 MiB and more), not the provider's.
// fallback (ru_maxrss) is used where /proc is missing.
func peakRSSKiB(fallback int64) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return fallback
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			if kib, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64); err == nil {
				return kib
			}
		}
	}
	return fallback
}
