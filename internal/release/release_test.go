// Package release_test checks the release configuration at the
// repository's root: .goreleaser.yml and the registry manifest.
package release_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestReleaseConfiguration checks the parts of .goreleaser.yml and the
// registry manifest that the Terraform Registry depends on.
func TestReleaseConfiguration(t *testing.T) {
	var manifest struct {
		Version  int `json:"version"`
		Metadata struct {
			ProtocolVersions []string `json:"protocol_versions"`
		} `json:"metadata"`
	}
	b, err := os.ReadFile("../../terraform-registry-manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &manifest); err != nil || manifest.Version != 1 || strings.Join(manifest.Metadata.ProtocolVersions, ",") != "6.0" {
		t.Errorf("terraform-registry-manifest.json: %+v, %v", manifest, err)
	}

	var cfg struct {
		Version int `yaml:"version"`
		Builds  []struct {
			Env     []string `yaml:"env"`
			Flags   []string `yaml:"flags"`
			Ldflags []string `yaml:"ldflags"`
			Goos    []string `yaml:"goos"`
			Goarch  []string `yaml:"goarch"`
			Binary  string   `yaml:"binary"`
		} `yaml:"builds"`
		Archives []struct {
			Formats []string `yaml:"formats"`
			Files   []string `yaml:"files"`
		} `yaml:"archives"`
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
			Algorithm    string `yaml:"algorithm"`
			ExtraFiles   []struct {
				Glob string `yaml:"glob"`
			} `yaml:"extra_files"`
		} `yaml:"checksum"`
		Signs []struct {
			Artifacts string   `yaml:"artifacts"`
			Args      []string `yaml:"args"`
		} `yaml:"signs"`
		Release struct {
			ExtraFiles []struct {
				Glob string `yaml:"glob"`
			} `yaml:"extra_files"`
		} `yaml:"release"`
	}
	b, err = os.ReadFile("../../.goreleaser.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf(".goreleaser.yml does not parse: %v", err)
	}
	if cfg.Version != 2 || len(cfg.Builds) != 1 {
		t.Fatalf("want goreleaser v2 with one build, got version %d and %d builds", cfg.Version, len(cfg.Builds))
	}
	build := cfg.Builds[0]
	checks := map[string]bool{
		"CGO off":                       contains(build.Env, "CGO_ENABLED=0"),
		"-trimpath":                     contains(build.Flags, "-trimpath"),
		"version through ldflags":       len(build.Ldflags) > 0 && strings.Contains(build.Ldflags[0], "-X main.version={{ .Version }}"),
		"OS matrix":                     contains(build.Goos, "linux") && contains(build.Goos, "darwin") && contains(build.Goos, "windows") && contains(build.Goos, "freebsd"),
		"arch matrix":                   contains(build.Goarch, "amd64") && contains(build.Goarch, "arm64"),
		"registry binary name":          build.Binary == "{{ .ProjectName }}_v{{ .Version }}",
		"zip archives":                  len(cfg.Archives) == 1 && contains(cfg.Archives[0].Formats, "zip"),
		"LICENSE in every archive":      len(cfg.Archives) == 1 && contains(cfg.Archives[0].Files, "LICENSE"),
		"SHA256SUMS":                    strings.HasSuffix(cfg.Checksum.NameTemplate, "_SHA256SUMS") && cfg.Checksum.Algorithm == "sha256",
		"manifest in the checksums":     len(cfg.Checksum.ExtraFiles) == 1 && cfg.Checksum.ExtraFiles[0].Glob == "terraform-registry-manifest.json",
		"manifest in the release":       len(cfg.Release.ExtraFiles) == 1 && cfg.Release.ExtraFiles[0].Glob == "terraform-registry-manifest.json",
		"checksums signed with GPG key": len(cfg.Signs) == 1 && cfg.Signs[0].Artifacts == "checksum" && contains(cfg.Signs[0].Args, "--detach-sign"),
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf(".goreleaser.yml: %s is missing", what)
		}
	}
}

// TestLicense: the project is MPL-2.0, as the registry providers of this
// ecosystem are, and the file is the license's own text.
func TestLicense(t *testing.T) {
	b, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{"Mozilla Public License Version 2.0", "1.1. \"Contributor\"", "Exhibit B - \"Incompatible With Secondary Licenses\" Notice"} {
		if !strings.Contains(text, want) {
			t.Errorf("LICENSE lacks %q: it is not the MPL-2.0 text", want)
		}
	}
	if n := strings.Count(text, "\n"); n < 370 {
		t.Errorf("LICENSE has %d lines; the MPL-2.0 text has 373", n)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestVersionFlag checks that the binary prints the version injected at
// build time, as .goreleaser.yml injects it.
func TestVersionFlag(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "provider")
	if out, err := exec.Command("go", "build", "-ldflags", "-X main.version=1.2.3", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-version").Output()
	if err != nil || strings.TrimSpace(string(out)) != "1.2.3" {
		t.Errorf("-version printed %q (%v), want 1.2.3", out, err)
	}
}
