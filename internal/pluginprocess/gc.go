// Package pluginprocess is what the provider's plugin process does around
// serving: it keeps the plugin SDKs' logging off unless logs were asked
// for, tunes the garbage collector, and, for make bench, profiles itself
// and reports its CPU time and peak memory.
package pluginprocess

import (
	"os"
	"runtime/debug"
)

// TuneGC makes the garbage collector run a quarter as often as by default
// unless GOGC says otherwise. The provider keeps little alive between calls
// (a few MiB), so the default collects every few calls and spends a fifth
// of the CPU of a plan on collection; at 400 the peak RSS of a plan of 1000
// certificates stays under 50 MiB (make bench).
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
