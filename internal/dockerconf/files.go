package dockerconf

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
)

// The files every rendering writes: what each is, the restart trigger that
// digests them, and the layout check that keeps two of them from one place.

// File is one file to write on a host or a client.
type File struct {
	// Name is a fixed name for the file ("daemon.json", "ca.pem", ...),
	// known before any content is: a configuration can iterate over names
	// on the first apply, when the contents are not yet known.
	Name    string
	Path    string
	Content string
	Mode    string
	// Sensitive marks private keys.
	Sensitive bool
}

// RestartTrigger digests what dockerd reads only at start-up: daemon.json,
// the drop-in, and the TLS files (or, when their contents are not given,
// their paths). dockerd never reloads TLS files or hosts on SIGHUP, so a
// change in any of them needs a restart.
func RestartTrigger(files []File) string {
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	h := sha256.New()
	for _, f := range sorted {
		_, _ = fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00", f.Name, f.Path, f.Mode, len(f.Content))
		h.Write([]byte(f.Content))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// nested is the error of a file whose path is the directory of another.
func nested(file, inside File) error {
	return fmt.Errorf("%s is the path of %s and also the directory of %s (%s): a path cannot be both a file and a directory; give %s "+
		"distinct places (tls_dir sets the directory of the TLS files)", file.Path, file.Name, inside.Name, inside.Path, fieldsOf(file, inside))
}

// fieldsOf names the inputs that set the files' paths.
func fieldsOf(files ...File) string {
	var names []string
	for _, f := range files {
		if a := fileFields[f.Name]; a != "" && !slices.Contains(names, string(a)) {
			names = append(names, string(a))
		}
	}
	if len(names) == 0 {
		return "their paths"
	}
	return strings.Join(names, " and ")
}

// layoutProblem is checkFileLayout's error as a Problem, for files and
// the TLS paths the configuration names (ca, cert, key), which must not
// collide with them even when something else writes the TLS files.
func layoutProblem(files []File, caPath, certPath, keyPath string) (Problem, bool) {
	all := slices.Clone(files)
	for _, f := range []File{{Name: CAFileName, Path: caPath}, {Name: ServerCertFileName, Path: certPath}, {Name: ServerKeyFileName, Path: keyPath}} {
		if !slices.ContainsFunc(files, func(g File) bool { return g.Name == f.Name }) {
			all = append(all, f)
		}
	}
	field, err := checkFileLayout(all)
	if err != nil {
		return Problem{Field: field, Summary: "Files in each other's place", Detail: err.Error()}, true
	}
	return Problem{}, false
}

// fileFields name the input that sets each file's path, by the file's
// Name, for the messages of checkFileLayout.
var fileFields = map[string]Field{
	CAFileName: FieldCACertPath, ServerCertFileName: FieldCertPath, ServerKeyFileName: FieldKeyPath,
	DaemonJSONName: FieldDaemonJSONPath, BuildkitdTOMLName: FieldConfigPath, RegistryConfigName: FieldConfigPath,
}

// checkFileLayout returns an error, and the input to change, when two
// files would be written to one path (compared cleaned, and without case
// where the platform ignores it: C:\ and c:\ are one file), or when a
// file's path is the directory of another (a tls_dir that is another
// file's path): cloud-init would write one over the other, or stop half
// way, and Ignition refuses the config.
func checkFileLayout(files []File) (Field, error) {
	clean := func(p string) string {
		if looksWindows(p) {
			return strings.ToLower(strings.TrimRight(strings.ReplaceAll(p, "/", `\`), `\`))
		}
		return path.Clean(p)
	}
	for i, f := range files {
		for _, g := range files[:i] {
			a, b := clean(f.Path), clean(g.Path)
			switch {
			case a == b:
				return cmp.Or(fileFields[f.Name], fileFields[g.Name]), fmt.Errorf("%s and %s would both be written to %s: give %s distinct values",
					g.Name, f.Name, f.Path, fieldsOf(g, f))
			case strings.HasPrefix(a, b+"/") || strings.HasPrefix(a, b+`\`):
				// The one in the way, unless no input sets its path (a
				// path the host keeps for itself).
				return cmp.Or(fileFields[g.Name], fileFields[f.Name]), nested(g, f)
			case strings.HasPrefix(b, a+"/") || strings.HasPrefix(b, a+`\`):
				return cmp.Or(fileFields[f.Name], fileFields[g.Name]), nested(f, g)
			}
		}
	}
	return "", nil
}
