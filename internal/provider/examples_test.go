package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestExamples checks that every example is formatted and valid for the
// real terraform with this provider, as the docs embed them and users paste
// them.
func TestExamples(t *testing.T) {
	var dirs []string
	err := filepath.WalkDir("../../examples", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".tf") && !strings.Contains(path, "/modules/") {
			dir := filepath.Dir(path)
			if len(dirs) == 0 || dirs[len(dirs)-1] != dir {
				dirs = append(dirs, dir)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 8 {
		t.Fatalf("found only %d example folders: %v", len(dirs), dirs)
	}
	for _, dir := range dirs {
		t.Run(strings.TrimPrefix(dir, "../../examples/"), func(t *testing.T) {
			t.Parallel() // each example in a folder and a terraform of its own
			tf := newBinaryCLI(t, "")
			os.Remove(filepath.Join(tf.dir, "main.tf"))
			all := copyExample(t, dir, tf)
			// Resource examples leave out the terraform block the docs show once.
			if !strings.Contains(all, "required_providers") {
				writeFile(t, filepath.Join(tf.dir, "zz_provider.tf"), "terraform {\n  required_providers {\n    dockertls = { source = \"dockertls/dockertls\" }\n  }\n}\n")
			}
			hasModules := strings.Contains(all, "module \"")
			if major, minor, ok := requiredVersion(all); ok && !underTest(t).atLeast(major, minor) {
				// An older CLI must refuse it: with the version constraint
				// (already when installing the modules), or before it gets
				// there, on the syntax or block it does not know.
				step := "validate"
				if hasModules {
					step = "get"
				}
				out, code := tf.run(nil, step)
				if code == 0 || !regexp.MustCompile(olderCLIRefusals).MatchString(out) {
					t.Errorf("terraform %s did not refuse an example that requires >= %d.%d (exit %d):\n%s", underTest(t), major, minor, code, out)
				}
				return
			}
			if hasModules {
				// Local modules must be installed; the provider comes from
				// dev_overrides; `terraform get` installs the modules only, offline.
				tf.mustRun("get")
			}
			if out, code := tf.run(nil, "fmt", "-check", "-diff", "-recursive"); code != 0 {
				t.Errorf("terraform fmt -check: not formatted:\n%s", out)
			}
			if out, code := tf.run(nil, "validate"); code != 0 || !strings.Contains(out, "The configuration is valid") {
				t.Errorf("terraform validate exited %d:\n%s", code, out)
			}
			name := filepath.Base(dir)
			if name == "quickstart" || name == "fleet" || name == "windows-host" || name == "rootless-host" || name == "ignition-host" || name == "buildkit-builder" || name == "registry" || name == "podman-host" {
				// These need no inputs and no hosts: they must apply, and then
				// plan nothing.
				tf.mustRun("apply", "-auto-approve", "-input=false")
				if out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
					t.Errorf("plan after apply exited %d:\n%s", code, out)
				}
			}
		})
	}
}

// olderCLIRefusals are what a CLI too old for an example says: the
// version constraint, or (Terraform 1.5 stops there first) the syntax of a
// provider function, the ephemeral block or the ephemeral variable it
// cannot read.
const olderCLIRefusals = `Unsupported Terraform Core version|Missing argument separator|Missing newline after argument|` +
	`Extra characters after the end of the 'for' expression|` +
	`Blocks of type "ephemeral" are not expected here|An argument named "ephemeral" is not expected here`

// copyExample copies the example in dir to tf's working directory. An
// example that shares its modules with its siblings (source =
// "../modules/...") gets them beside it, and tf works in the example's own
// folder.
func copyExample(t *testing.T, dir string, tf *cli) string {
	t.Helper()
	main, _ := os.ReadFile(filepath.Join(dir, "main.tf"))
	if !regexp.MustCompile(`source\s*=\s*"\.\./modules/`).Match(main) {
		return copyTree(t, dir, tf.dir)
	}
	copyTree(t, filepath.Join(filepath.Dir(dir), "modules"), filepath.Join(tf.dir, "modules"))
	tf.dir = filepath.Join(tf.dir, filepath.Base(dir))
	return copyTree(t, dir, tf.dir)
}

// copyTree copies the .tf files under src to dst, keeping the layout, and
// returns their text.
func copyTree(t *testing.T, src, dst string) string {
	t.Helper()
	var all strings.Builder
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".tf") {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		all.Write(b)
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return all.String()
}
