package dockerconf

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Delivery: the documents that carry a host's files to it at first boot,
// cloud-init's #cloud-config and Ignition's config.

// cloudInitSpec is how a #cloud-config document delivers a platform's
// files and restarts its engine.
type cloudInitSpec struct {
	// owner is the files' owner, as "user:group".
	owner func(u RootlessUser) string
	// deferred writes the files in cloud-init's final stage, after it has
	// created users ("defer: true").
	deferred bool
	// runcmd are the commands that make the engine read the files.
	runcmd func(files []File, u RootlessUser) [][]string
}

// CloudConfig renders a #cloud-config document that writes every file
// (base64-encoded, so that each arrives byte for byte, with its mode) and
// then restarts the engine: owned by root, with systemctl, on Linux; owned
// by the user, after cloud-init has created users ("defer": the final
// stage), with systemctl --user run as the user, for rootless. It is the
// user_data of any cloud that runs cloud-init. It returns "" for a platform
// where cloud-init does not run (Windows).
func CloudConfig(files []File, p Platform, u RootlessUser) string {
	spec := p.spec().cloudInit
	if spec == nil {
		return ""
	}
	sorted := sortedByPath(files)
	return cloudConfig("dockertls_daemon_config", sorted, spec.owner(u), spec.deferred, spec.runcmd(sorted, u))
}

func sortedByPath(files []File) []File {
	sorted := slices.Clone(files)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	return sorted
}

// cloudConfig renders a #cloud-config document, written by the data source
// writer, that writes files (in path order) owned by owner, after
// cloud-init has created users when deferred, and then runs runcmd.
func cloudConfig(writer string, files []File, owner string, deferred bool, runcmd [][]string) string {
	extra := ""
	if deferred {
		extra = "    defer: true\n"
	}
	var b strings.Builder
	b.WriteString("#cloud-config\n# Written by Terraform (" + writer + ").\nwrite_files:\n")
	for _, f := range sortedByPath(files) {
		fmt.Fprintf(&b, "  - path: %s\n    owner: %s\n    permissions: %s\n    encoding: b64\n%s    content: %s\n",
			yamlString(f.Path), yamlString(owner), yamlString(f.Mode), extra, base64.StdEncoding.EncodeToString([]byte(f.Content)))
	}
	if len(runcmd) > 0 {
		b.WriteString("runcmd:\n")
	}
	for _, cmd := range runcmd {
		b.WriteString("  - " + yamlList(cmd) + "\n")
	}
	return b.String()
}

// systemRestart reloads systemd and restarts docker.service. With a
// drop-in of docker.socket among the files, it first enables and restarts
// the socket, so that it opens the new listeners: at first boot nobody is
// connected yet, and records the drop-in as applied (socketRestartCommand).
func systemRestart(files []File, _ RootlessUser) [][]string {
	cmds := [][]string{{"systemctl", "daemon-reload"}}
	for _, f := range files {
		if f.Path == SocketDropinPath() {
			cmds = append(cmds, []string{"systemctl", "enable", "docker.socket"}, []string{"systemctl", "restart", "docker.socket"},
				[]string{"install", "-D", "-m", "0644", f.Path, socketApplied})
		}
	}
	return append(cmds, []string{"systemctl", "restart", "docker"})
}

// rootlessRestart hands the directories cloud-init made (as root) to the
// user, keeps the user's manager running without a login, and restarts
// the user unit as the user.
func rootlessRestart(files []File, u RootlessUser) [][]string {
	var cmds [][]string
	if dirs := dirsBelow(u.Home, files); len(dirs) > 0 {
		cmds = append(cmds, append([]string{"chown", u.Name + ":" + u.Name}, dirs...))
	}
	asUser := []string{"runuser", "-u", u.Name, "--", "env", "XDG_RUNTIME_DIR=" + u.RuntimeDir(), "systemctl", "--user"}
	return append(cmds, []string{"loginctl", "enable-linger", u.Name},
		append(slices.Clone(asUser), "daemon-reload"), append(slices.Clone(asUser), "restart", "docker"))
}

// dirsBelow lists, sorted, the directories between home and each file.
func dirsBelow(home string, files []File) []string {
	seen := map[string]bool{}
	for _, f := range files {
		for d := path.Dir(f.Path); strings.HasPrefix(d, home+"/"); d = path.Dir(d) {
			seen[d] = true
		}
	}
	dirs := make([]string, 0, len(seen))
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs
}

func yamlList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = yamlString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// yamlString quotes s as a YAML double-quoted scalar: JSON's string
// syntax is a subset of it.
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// IgnitionVersion is the Ignition configuration specification Ignition
// renders: 3.3.0, which every Flatcar Container Linux since 3185.0.0 and
// Fedora CoreOS since Ignition 2.11 read, and which configs of later 3.x
// versions can merge.
const IgnitionVersion = "3.3.0"

// ignitionConfig is the part of Ignition's spec 3.3.0 this package writes.
type ignitionConfig struct {
	Ignition struct {
		Version string `json:"version"`
	} `json:"ignition"`
	Storage struct {
		Files []ignitionFile `json:"files"`
	} `json:"storage"`
	Systemd struct {
		Units []ignitionUnit `json:"units"`
	} `json:"systemd"`
}

type ignitionFile struct {
	Path      string `json:"path"`
	Mode      *int   `json:"mode,omitempty"`
	Overwrite bool   `json:"overwrite"`
	Contents  struct {
		Source string `json:"source"`
	} `json:"contents"`
}

type ignitionUnit struct {
	Name    string           `json:"name"`
	Enabled *bool            `json:"enabled,omitempty"`
	Mask    *bool            `json:"mask,omitempty"`
	Dropins []ignitionDropin `json:"dropins,omitempty"`
}

type ignitionDropin struct {
	Name     string `json:"name"`
	Contents string `json:"contents"`
}

// clashingSockets are the socket units that would pass dockerd a TCP
// listener through systemd (fd://), as Flatcar's "Customizing Docker"
// page has users create docker-tcp.socket: with hosts in daemon.json
// dockerd would refuse to start, and authorization plugins would see no
// client certificate under socket activation. The Ignition config masks
// them.
var clashingSockets = []string{"docker-tcp.socket"}

// IgnitionConfig renders an Ignition config (spec IgnitionVersion) that
// writes every file but the drop-in, each with its mode, as a data: URL,
// overwriting what a re-provisioned host has; installs the drop-in as a
// drop-in of its unit, which it enables; and masks clashingSockets. It is a
// host's whole user_data on Flatcar Container Linux or Fedora CoreOS, or a
// fragment to merge (ignition.config.merge). It returns "" for a platform
// Ignition does not provision.
func IgnitionConfig(files []File, p Platform) string {
	if !p.spec().ignition {
		return ""
	}
	var cfg ignitionConfig
	cfg.Ignition.Version = IgnitionVersion
	cfg.Storage.Files = []ignitionFile{}
	var unit ignitionUnit
	for _, f := range slices.SortedFunc(slices.Values(files), func(a, b File) int { return strings.Compare(a.Path, b.Path) }) {
		if f.Name == SystemdDropinFile {
			dir, name := path.Split(f.Path)
			unit.Name = strings.TrimSuffix(path.Base(dir), ".d")
			unit.Dropins = append(unit.Dropins, ignitionDropin{Name: name, Contents: f.Content})
			if f.Path != SocketDropinPath() {
				continue
			}
			// docker.socket starts on it at first boot: it is applied.
			f = File{Path: socketApplied, Content: f.Content, Mode: ModeConfig}
		}
		cfg.Storage.Files = append(cfg.Storage.Files, ignitionFileOf(f))
	}
	yes := true
	if unit.Name != "" {
		unit.Enabled = &yes
		cfg.Systemd.Units = append(cfg.Systemd.Units, unit)
	}
	for _, s := range clashingSockets {
		cfg.Systemd.Units = append(cfg.Systemd.Units, ignitionUnit{Name: s, Mask: &yes})
	}
	return cfg.json()
}

func (cfg ignitionConfig) json() string {
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return "" // the types above always marshal
	}
	return string(b) + "\n"
}

// ignitionFileOf is f as Ignition writes it: with its mode, as a data:
// URL, overwriting what a re-provisioned host has.
func ignitionFileOf(f File) ignitionFile {
	file := ignitionFile{Path: f.Path, Overwrite: true}
	if mode, err := strconv.ParseInt(f.Mode, 8, 32); err == nil {
		m := int(mode)
		file.Mode = &m
	}
	file.Contents.Source = "data:;base64," + base64.StdEncoding.EncodeToString([]byte(f.Content))
	return file
}

// unitsIgnition renders an Ignition config (spec IgnitionVersion) that
// writes every file, units among them, and enables the unit named enable,
// which systemd starts at first boot.
func unitsIgnition(files []File, enable string) string {
	var cfg ignitionConfig
	cfg.Ignition.Version = IgnitionVersion
	for _, f := range sortedByPath(files) {
		cfg.Storage.Files = append(cfg.Storage.Files, ignitionFileOf(f))
	}
	yes := true
	cfg.Systemd.Units = []ignitionUnit{{Name: enable, Enabled: &yes}}
	return cfg.json()
}
