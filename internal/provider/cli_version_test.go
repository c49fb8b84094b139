package provider

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// cliVersion is the version of the CLI under test, [major, minor, patch],
// and whether it is OpenTofu.
type cliVersion struct {
	parts [3]int
	tofu  bool
}

var (
	cliVersionOnce sync.Once
	cliVersionVal  cliVersion
	cliVersionErr  error
)

// underTest returns the version of the CLI the tests run.
func underTest(t *testing.T) cliVersion {
	t.Helper()
	tf := requireTerraform(t)
	cliVersionOnce.Do(func() {
		out, err := exec.Command(tf, "version", "-json").Output()
		if err != nil {
			cliVersionErr = err
			return
		}
		var v struct {
			Terraform string `json:"terraform_version"`
		}
		if cliVersionErr = json.Unmarshal(out, &v); cliVersionErr != nil {
			return
		}
		cliVersionVal, cliVersionErr = parseVersion(v.Terraform)
		cliVersionVal.tofu = strings.Contains(strings.ToLower(tf), "tofu")
	})
	if cliVersionErr != nil {
		t.Fatalf("the version of %s: %v", tf, cliVersionErr)
	}
	return cliVersionVal
}

func parseVersion(s string) (cliVersion, error) {
	var v cliVersion
	m := regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)`).FindStringSubmatch(s)
	if m == nil {
		return v, fmt.Errorf("unreadable version %q", s)
	}
	for i := range v.parts {
		v.parts[i], _ = strconv.Atoi(m[i+1])
	}
	return v, nil
}

// atLeast reports whether v is at least major.minor. OpenTofu forked from
// Terraform 1.5 and numbers its own releases, each with every Terraform
// feature this provider uses (functions, ephemeral resources and
// write-only attributes since OpenTofu 1.7, 1.11 and 1.11): for it the
// Terraform feature version counts as met from 1.11 on.
func (v cliVersion) atLeast(major, minor int) bool {
	if v.tofu && (v.parts[0] > 1 || v.parts[1] >= 11) {
		return true
	}
	return v.parts[0] > major || (v.parts[0] == major && v.parts[1] >= minor)
}

func (v cliVersion) String() string {
	return fmt.Sprintf("%d.%d.%d", v.parts[0], v.parts[1], v.parts[2])
}

// requiredVersion reads a `required_version = ">= X.Y"` constraint from
// HCL; ok is false when there is none.
func requiredVersion(hcl string) (major, minor int, ok bool) {
	m := regexp.MustCompile(`required_version\s*=\s*">=\s*(\d+)\.(\d+)"`).FindStringSubmatch(hcl)
	if m == nil {
		return 0, 0, false
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, true
}

// cliFeature is something of the CLI's that a test needs and that older
// CLIs lack, with the Terraform version that brought it.
type cliFeature struct {
	name         string
	major, minor int
}

var (
	featureFunctions = cliFeature{"provider functions", 1, 8}
	featureEphemeral = cliFeature{"ephemeral resources", 1, 10}
	featureWriteOnly = cliFeature{"write-only attributes", 1, 11}
)

// needsCLI skips t when the CLI under test predates f, saying so. Every
// test runs under every CLI make test uses (Terraform 1.11, Terraform 1.5.7
// and OpenTofu run the whole package), so a new test is never left out of
// a pass by omission: one that needs a newer CLI says so here, and an
// older CLI then skips it by name and reason.
func needsCLI(t *testing.T, f cliFeature) {
	t.Helper()
	if v := underTest(t); !v.atLeast(f.major, f.minor) {
		t.Skipf("SKIP: needs %s (Terraform %d.%d and later); the CLI under test is %s. TestFeaturesByCLIVersion checks what it says instead", f.name, f.major, f.minor, v)
	}
}
