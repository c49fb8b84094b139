package provider

import (
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// socketUnit plays systemd's docker.socket for the end-to-end tests, where
// there is no systemd: it binds the ListenStream= addresses of a rendered
// drop-in, as systemd does when the socket unit starts, and keeps them open
// across dockerd's restarts, as systemd does while docker.service restarts.
// dockerdProcess hands them to dockerd from fd 3 with LISTEN_FDS and
// LISTEN_PID (sd_listen_fds(3)), with -H fd:// as the packaged unit does.
type socketUnit struct {
	addresses []string
	files     []*os.File
}

// listenStreams are the addresses of a socket drop-in's ListenStream=
// lines, in order; the empty one (which resets the packaged unit's list)
// is left out.
func listenStreams(dropin string) []string {
	var out []string
	for _, line := range strings.Split(dropin, "\n") {
		if addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ListenStream="); ok && addr != "" {
			out = append(out, addr)
		}
	}
	return out
}

// openSocketUnit binds every ListenStream= address of dropin; it fails the
// test when there is none, as systemd refuses such a unit.
func openSocketUnit(t *testing.T, dropin string) *socketUnit {
	t.Helper()
	u := &socketUnit{addresses: listenStreams(dropin)}
	if len(u.addresses) == 0 {
		t.Fatalf("the socket drop-in has no ListenStream= address:\n%s", dropin)
	}
	for _, addr := range u.addresses {
		network := "tcp"
		if strings.HasPrefix(addr, "/") {
			network = "unix"
			_ = os.Remove(addr)
		}
		l, err := net.Listen(network, addr)
		if err != nil {
			t.Fatalf("ListenStream=%s: %v", addr, err)
		}
		if ul, ok := l.(*net.UnixListener); ok {
			// systemd leaves the socket file when the unit stops; so do we.
			ul.SetUnlinkOnClose(false)
		}
		f, err := l.(interface{ File() (*os.File, error) }).File()
		if err != nil {
			t.Fatal(err)
		}
		// The duplicate in f is what dockerd gets; the listener itself is
		// not needed (nothing here accepts on it).
		l.Close()
		u.files = append(u.files, f)
	}
	t.Cleanup(func() {
		for _, f := range u.files {
			f.Close()
		}
	})
	t.Logf("docker.socket stand-in listens on %v", u.addresses)
	return u
}

// activation is the environment and the command line prefix that start
// dockerd on the sockets: sh sets LISTEN_PID to its own PID and then execs
// dockerd in its place, so that the PID is dockerd's.
func (u *socketUnit) activation(dockerd string) []string {
	return []string{"sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=` + strconv.Itoa(len(u.files)) + ` exec "$0" "$@"`, dockerd, "-H", "fd://"}
}

func TestRefusedDuringRestart(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for _, tc := range []struct {
		name   string
		socket bool
		errs   []error
		want   bool
	}{
		{"service layout, refusals are the restart", false, []error{refused, refused}, false},
		{"socket layout, none", true, nil, false},
		{"socket layout, the accepted call reset", true, []error{reset}, false},
		{"socket layout, a refusal", true, []error{refused}, true},
		{"socket layout, two failed", true, []error{reset, io.EOF}, true},
	} {
		h := &e2eHost{socketActivation: tc.socket}
		r := probeReport{duringRestart: len(tc.errs), restartErrors: tc.errs}
		if got := h.refusedDuringRestart(r); got != tc.want {
			t.Errorf("%s: refusedDuringRestart = %t, want %t", tc.name, got, tc.want)
		}
	}
}
