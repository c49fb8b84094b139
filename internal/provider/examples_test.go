package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExamples checks that every example is formatted and valid for the
// real terraform with this provider, as the docs embed them and users paste
// them.
func TestExamples(t *testing.T) {
	var dirs []string
	err := filepath.WalkDir("../../examples", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".tf") {
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
			tf := newBinaryCLI(t, "")
			os.Remove(filepath.Join(tf.dir, "main.tf"))
			files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
			var all strings.Builder
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				all.Write(b)
				writeFile(t, filepath.Join(tf.dir, filepath.Base(f)), string(b))
			}
			// Resource examples leave out the terraform block the docs show once.
			if !strings.Contains(all.String(), "required_providers") {
				writeFile(t, filepath.Join(tf.dir, "zz_provider.tf"), "terraform {\n  required_providers {\n    dockertls = { source = \"dockertls/dockertls\" }\n  }\n}\n")
			}
			if out, code := tf.run(nil, "fmt", "-check", "-diff"); code != 0 {
				t.Errorf("terraform fmt -check: not formatted:\n%s", out)
			}
			if out, code := tf.run(nil, "validate"); code != 0 || !strings.Contains(out, "The configuration is valid") {
				t.Errorf("terraform validate exited %d:\n%s", code, out)
			}
		})
	}
}
