package dockerconf

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

func filesByName(files []File) map[string]File {
	out := map[string]File{}
	for _, f := range files {
		out[f.Name] = f
	}
	return out
}

func TestRenderAssemblesTheFiles(t *testing.T) {
	material := ServerMaterial{CACertPEM: "SERVERS CA\n", CertPEM: "CERT\n", KeyPEM: "KEY\n"}
	r, problems := Daemon{TLSVerify: true, Hardening: HardeningBaseline, LiveRestore: true, Material: material, Pending: opaqueMaterial}.Render()
	if len(problems) != 0 {
		t.Fatalf("problems: %+v", problems)
	}
	files := filesByName(r.Files)
	for name, want := range map[string]File{
		DaemonJSONName:     {Path: "/etc/docker/daemon.json", Content: r.JSON, Mode: ModeConfig},
		SystemdDropinFile:  {Path: "/etc/systemd/system/docker.service.d/dockertls.conf", Content: r.Dropin, Mode: ModeConfig},
		CAFileName:         {Path: "/etc/docker/tls/ca.pem", Content: "SERVERS CA\n", Mode: ModeCertificate},
		ServerCertFileName: {Path: "/etc/docker/tls/server-cert.pem", Content: "CERT\n", Mode: ModeCertificate},
		ServerKeyFileName:  {Path: "/etc/docker/tls/server-key.pem", Content: "KEY\n", Mode: ModePrivateKey, Sensitive: true},
	} {
		want.Name = name
		if files[name] != want {
			t.Errorf("%s = %+v, want %+v", name, files[name], want)
		}
	}
	if len(files) != 5 || r.DropinPath != files[SystemdDropinFile].Path || !strings.Contains(r.JSON, `"tlscacert": "/etc/docker/tls/ca.pem"`) {
		t.Errorf("files %d, drop-in at %q, daemon.json:\n%s", len(files), r.DropinPath, r.JSON)
	}
	if r.CloudConfig != CloudConfig(r.Files, PlatformLinux, RootlessUser{}) || r.RestartCommand != "systemctl daemon-reload && systemctl restart docker" {
		t.Errorf("cloud-config or restart command differ from the platform's")
	}
	if len(r.Findings) != 18 {
		t.Errorf("%d findings", len(r.Findings))
	}

	// The client trust is dockerd's tlscacert: the issuers when given.
	material.ClientCACertPEM = "ISSUERS\n"
	r2, _ := Daemon{TLSVerify: true, Material: material, Pending: opaqueMaterial}.Render()
	if got := filesByName(r2.Files)[CAFileName].Content; got != "ISSUERS\n" {
		t.Errorf("ca.pem with client issuers = %q", got)
	}
	if r2.RestartTrigger == r.RestartTrigger {
		t.Error("the restart trigger did not change with ca.pem")
	}
}

func TestRenderWithoutMaterial(t *testing.T) {
	r, _ := Daemon{TLSVerify: true}.Render()
	if len(r.Files) != 2 {
		t.Fatalf("without PEMs, files = %+v; want daemon.json and the drop-in", r.Files)
	}
	// A moved TLS file needs a restart even when something else writes it.
	moved, _ := Daemon{TLSVerify: true, KeyPath: "/srv/tls/key.pem"}.Render()
	if moved.RestartTrigger == r.RestartTrigger {
		t.Error("the restart trigger ignores the TLS paths")
	}
}

func TestRenderRefusals(t *testing.T) {
	_, problems := Daemon{TLSVerify: true, CertPath: "/etc/docker/tls/ca.pem", Material: ServerMaterial{CACertPEM: "CA", CertPEM: "C"}, Pending: opaqueMaterial}.Render()
	if len(problems) != 1 || problems[0].Warning || problems[0].Field != "cert_path" ||
		!strings.Contains(problems[0].Detail, "ca.pem and server-cert.pem would both be written to /etc/docker/tls/ca.pem") {
		t.Errorf("two files on one path: %+v", problems)
	}
	r, problems := Daemon{TLSVerify: true, Settings: map[string]any{"icc": false, "iptables": false}}.Render()
	if len(problems) != 1 || problems[0].Field != "settings_json" || problems[0].Warning || len(r.Files) != 0 {
		t.Errorf("icc without iptables: %+v, %d files", problems, len(r.Files))
	}
	_, problems = Daemon{TLSVerify: true, Hardening: HardeningBaseline, Settings: map[string]any{"icc": true}}.Render()
	if len(problems) != 1 || !problems[0].Warning || !strings.Contains(problems[0].Detail, "2.2 (icc") {
		t.Errorf("baseline override: %+v", problems)
	}
}

// TestPlatformDescriptors holds every platform to what the rendering
// relies on, so that a new entry cannot leave a hole.
func TestPlatformDescriptors(t *testing.T) {
	if len(platformSpecs) != len(Platforms) {
		t.Errorf("%d descriptors for %d platforms", len(platformSpecs), len(Platforms))
	}
	for _, p := range Platforms {
		s, ok := platformSpecs[p]
		if !ok {
			t.Errorf("%s has no descriptor", p)
			continue
		}
		l := p.Layout(ci)
		if l.TLSDir == "" || l.DaemonJSONPath == "" || l.DockerdPath == "" || len(l.Hosts) == 0 || s.engine == "" || s.restartCommand == nil {
			t.Errorf("%s: incomplete descriptor %+v", p, l)
		}
		if (s.dropin == nil) != (l.DropinPath == "") {
			t.Errorf("%s: a drop-in path without a drop-in, or the reverse", p)
		}
		for _, raw := range l.Hosts {
			h, err := ParseHost(raw)
			if err != nil || p.CheckHost(h, ci) != nil {
				t.Errorf("%s: its own default host %s is refused: %v %v", p, raw, err, p.CheckHost(h, ci))
			}
		}
		if problems := p.CheckPaths(map[Field]string{"tls_dir": l.TLSDir, "daemon_json_path": l.DaemonJSONPath, "dockerd_path": l.DockerdPath}, ci); len(problems) > 0 {
			t.Errorf("%s: its own default paths are refused: %+v", p, problems)
		}
		r, problems := Daemon{Platform: p, User: userFor(p), TLSVerify: true, Hardening: HardeningBaseline}.Render()
		if len(problems) != 0 || (r.CloudConfig == "") != (s.cloudInit == nil) {
			t.Errorf("%s: the default rendering has problems %+v, or cloud-config where none was declared", p, problems)
		}
	}
	if len(clientPlatformSpecs) != len(ClientPlatforms) {
		t.Errorf("%d client descriptors for %d client platforms", len(clientPlatformSpecs), len(ClientPlatforms))
	}
	for _, p := range ClientPlatforms {
		s, ok := clientPlatformSpecs[p]
		if !ok || p.CheckPath("cert_dir", s.exampleDir) != nil {
			t.Errorf("%s: no descriptor, or its own example directory is refused", p)
		}
	}
}

func TestCheckLiveRestore(t *testing.T) {
	on, off := true, false
	for _, c := range []struct {
		platform Platform
		set      *bool
		settings map[string]any
		want     string // "" for none; "!" prefix for a warning
	}{
		{PlatformLinux, &on, nil, ""},
		{PlatformLinux, &off, map[string]any{"live-restore": true}, "live-restore is set twice"},
		{PlatformLinux, nil, map[string]any{"live-restore": true}, ""},
		{PlatformRootless, &on, nil, "!A rootless engine does not support live-restore"},
		{PlatformWindows, &on, nil, "Windows has no live-restore"},
		{PlatformWindows, &off, nil, ""},
	} {
		got := c.platform.CheckLiveRestore(c.set, c.settings)
		switch {
		case c.want == "" && len(got) != 0, c.want != "" && len(got) != 1:
			t.Errorf("%s %v %v: %+v, want %q", c.platform, c.set, c.settings, got, c.want)
		case c.want != "" && (got[0].Summary != strings.TrimPrefix(c.want, "!") || got[0].Warning != strings.HasPrefix(c.want, "!") || got[0].Field != "live_restore"):
			t.Errorf("%s %v: %+v, want %q", c.platform, c.set, got[0], c.want)
		}
	}
	if PlatformLinux.LiveRestore(nil) != true || PlatformRootless.LiveRestore(nil) != false || PlatformWindows.LiveRestore(&on) != false {
		t.Error("live-restore defaults by platform")
	}
}

func TestCheckSecurityAndHosts(t *testing.T) {
	got := CheckSecurity([]string{"unix://", "tcp://0.0.0.0:2376"}, false, false, false)
	if len(got) != 1 || got[0].Field != "tls_verify" || got[0].Warning {
		t.Errorf("tls_verify off: %+v", got)
	}
	if got := CheckSecurity([]string{"tcp://0.0.0.0:2376"}, false, false, true); len(got) != 1 || !got[0].Warning {
		t.Errorf("tls_verify off, opted in: %+v", got)
	}
	got = CheckSecurity([]string{"unix://", "tcp://0.0.0.0:2375"}, false, true, false)
	if len(got) != 1 || !got[0].Warning || !got[0].HasIndex || got[0].Index != 1 {
		t.Errorf("port 2375: %+v", got)
	}
	got = PlatformRootless.CheckHosts([]string{"", "tcp://10.0.0.5:443", "fd://"}, ci)
	if len(got) != 2 || !got[0].Warning || got[0].Index != 1 || got[1].Warning || got[1].Index != 2 {
		t.Errorf("rootless hosts: %+v", got)
	}
}

func TestCheckUser(t *testing.T) {
	if got := PlatformRootless.CheckUser(false, RootlessUser{}); len(got) != 1 || got[0].Field != "rootless_user" {
		t.Errorf("rootless without a user: %+v", got)
	}
	if got := PlatformLinux.CheckUser(true, ci); len(got) != 1 || got[0].Field != "rootless_user" {
		t.Errorf("linux with a user: %+v", got)
	}
	got := PlatformRootless.CheckUser(true, RootlessUser{Name: "ci", Home: "home/ci"})
	if len(got) != 2 || got[0].Field != "rootless_user.uid" || got[1].Field != "rootless_user.home" {
		t.Errorf("rootless with uid 0 and a relative home: %+v", got)
	}
}

func TestCheckClientTrust(t *testing.T) {
	key, err := pki.GenerateKey(pki.ECDSAP256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.NewCA(pki.CARequest{Subject: pki.Subject{CommonName: "Docker client issuer 00000"}, Validity: time.Hour}, key, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if got := CheckBundle("client_ca_cert_pem", ca.CertPEM, true, now); len(got) != 0 {
		t.Errorf("one issuer: %+v", got)
	}
	var errs []Problem
	for _, p := range CheckBundle("client_ca_cert_pem", strings.Repeat(ca.CertPEM, MaxAcceptableCAsBytes/41+1), true, now) {
		if !p.Warning { // the copies warn, once
			errs = append(errs, p)
		}
	}
	if len(errs) != 1 || errs[0].Field != "client_ca_cert_pem" || !strings.HasPrefix(errs[0].Detail, "client_ca_cert_pem: the bundle has") {
		t.Errorf("too many issuers: %+v", errs)
	}
	if got := CheckBundle("ca_cert_pem", "not PEM", true, now); len(got) != 0 {
		t.Errorf("a malformed bundle is the validator's: %+v", got)
	}
}

func TestCheckBundle(t *testing.T) {
	m := newMaterial(t)
	now := time.Now()
	got := CheckBundle("client_ca_cert_pem", m.caPEM+m.caPEM, true, now)
	if len(got) != 1 || !got[0].Warning || !strings.Contains(got[0].Detail, `it repeats CAs listed before (1 copies: the CA "CA" (block 2))`) {
		t.Errorf("a CA twice: %+v", got)
	}
	got = CheckBundle("client_ca_cert_pem", m.caPEM, true, now.Add(200*time.Hour))
	if len(got) != 2 || !got[0].Warning || got[1].Warning || !strings.Contains(got[1].Detail, "refuse every client") {
		t.Errorf("only an expired issuer: %+v", got)
	}
	got = CheckBundle("ca_cert_pem", m.caPEM+m.otherCAPEM, false, now.Add(200*time.Hour))
	if len(got) != 2 || !got[0].Warning || !got[1].Warning {
		t.Errorf("expired CAs of the server's bundle warn only: %+v", got)
	}
	if got := CheckBundle("ca_cert_pem", m.caPEM, true, now); len(got) != 0 {
		t.Errorf("a valid CA: %+v", got)
	}
}
