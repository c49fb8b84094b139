package dockerconf

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	yamlv2 "go.yaml.in/yaml/v2"
	"gopkg.in/yaml.v3"
)

// Registries: the registry's (distribution's) TLS that verifies clients by
// certificate, and the files each client reads for one registry.

// Defaults for the registry's TLS files, beside distribution v3's own
// configuration file, /etc/distribution/config.yml.
const (
	DefaultRegistryTLSDir     = "/etc/distribution/tls"
	DefaultRegistryAddr       = ":5000"
	DefaultRegistryConfigPath = "/etc/distribution/config.yml"
	// RegistryConfigName names the whole configuration in a File list.
	RegistryConfigName = "config.yml"
)

// MinimumTLSVersions are what distribution takes as http.tls.minimumtls
// (registry/registry.go, tlsVersions), the default first.
var MinimumTLSVersions = []string{"tls1.2", "tls1.3"}

// Registry describes the registry's http section: its listener and TLS.
type Registry struct {
	// Addr is http.addr, such as ":5000" or "192.0.2.10:5000".
	Addr string
	// TLSVerify lists the client trust as http.tls.clientcas, which makes
	// the registry require a certificate from it
	// (RequireAndVerifyClientCert) before any HTTP is spoken.
	TLSVerify                     bool
	MinimumTLS                    string
	TLSDir                        string
	CACertPath, CertPath, KeyPath string
	Material                      ServerMaterial
	// Base is the rest of the configuration (ParseRegistryBase); when it is
	// not nil, Render merges the http section into it and writes the whole
	// to ConfigPath.
	Base       *RegistryBase
	ConfigPath string
	// BaseYAML is Base as written, for a caller that has not parsed it:
	// Check parses it and reports what the registry would refuse, and
	// Render uses it when Base is nil.
	BaseYAML string
	// Name is the registry as its clients name it (HOST or HOST:PORT);
	// the certificate must carry its host. Empty when it is not known.
	Name string
	// Now is when the material is judged; zero means the current time.
	Now time.Time
	// Pending are the inputs not known yet: Check skips what needs them.
	Pending Pending
}

// The inputs of a registry, as Problems name them (with serverTLSFields).
const (
	FieldAddress    Field = "address"
	FieldMinimumTLS Field = "minimum_tls"
	FieldConfigYAML Field = "config_yaml"
	FieldRegistry   Field = "registry"
)

// RegistryFields are every input a Registry's problems name.
var RegistryFields = append([]Field{FieldAddress, FieldMinimumTLS, FieldConfigYAML, FieldRegistry, FieldConfigPath}, serverTLSFields...)

// WithDefaults returns r with every empty value set to the default.
func (r Registry) WithDefaults() Registry {
	or := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	or(&r.Addr, DefaultRegistryAddr)
	or(&r.MinimumTLS, MinimumTLSVersions[0])
	or(&r.TLSDir, DefaultRegistryTLSDir)
	or(&r.CACertPath, path.Join(r.TLSDir, CAFileName))
	or(&r.CertPath, path.Join(r.TLSDir, ServerCertFileName))
	or(&r.KeyPath, path.Join(r.TLSDir, ServerKeyFileName))
	or(&r.ConfigPath, DefaultRegistryConfigPath)
	return r
}

// RegistryBase is the rest of a registry's configuration (version,
// storage, ...) as written: a YAML mapping kept node by node, so that each
// value reaches the registry in the text the user wrote. The registry reads
// YAML 1.1 (go.yaml.in/yaml/v2): there yes is true and 0x1F2E, in a string
// setting, the text 0x1F2E. Decoding the values and encoding them again
// with a YAML 1.2 library changes both (to "yes", a string the registry
// refuses for a boolean, and to 7982).
type RegistryBase struct {
	root *yaml.Node // a MappingNode
	text string     // as given
}

// registryStorageParameters are the keys of storage that are not a
// storage type (distribution's configuration.Storage.UnmarshalYAML).
var registryStorageParameters = []string{"maintenance", "cache", "delete", "redirect", "tag"}

// ParseRegistryBase parses the rest of a registry's configuration: one
// YAML mapping with the version the registry knows and exactly one storage
// type, which the registry refuses to start without, and no http.addr,
// http.tls or http.net, which the rendering owns.
func ParseRegistryBase(s string) (*RegistryBase, error) {
	dec := yaml.NewDecoder(strings.NewReader(s))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config_yaml is empty: give the rest of the configuration, such as version: 0.1 and storage: {filesystem: {rootdirectory: /var/lib/registry}}")
		}
		return nil, fmt.Errorf("config_yaml is not YAML the registry reads: %w", err)
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config_yaml holds more than one YAML document (---): the registry reads the first only; write one")
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("config_yaml is not a YAML mapping: write the registry's settings, such as version: 0.1 and storage: {filesystem: {rootdirectory: /var/lib/registry}}")
	}
	if err := checkKeys(doc.Content[0], ""); err != nil {
		return nil, err
	}
	keepEmptyNulls(doc.Content[0])
	base := &RegistryBase{root: doc.Content[0], text: s}
	if err := base.check(); err != nil {
		return nil, err
	}
	return base, nil
}

// checkKeys returns an error when a mapping under n sets a key twice (the
// registry would silently keep the last: yaml.v2 outside its strict mode),
// or has a merge key or a key that is not a plain name (which would hide
// what the rendering must find and own: version, storage, http.net,
// http.tls).
func checkKeys(n *yaml.Node, at string) error {
	if n.Kind == yaml.MappingNode {
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Value == "<<" {
				return fmt.Errorf("config_yaml line %d: write each setting by its name (no merge key << or complex key): a merged "+
					"http.net or http.tls would change the listener this data source renders", k.Line)
			}
			if seen[k.Value] {
				return fmt.Errorf("config_yaml line %d: %s%s is set twice, and the registry would silently keep the last: keep one", k.Line, at, k.Value)
			}
			seen[k.Value] = true
			if err := checkKeys(n.Content[i+1], at+k.Value+"."); err != nil {
				return err
			}
		}
		return nil
	}
	for _, c := range n.Content {
		if err := checkKeys(c, at); err != nil {
			return err
		}
	}
	return nil
}

// lookup returns the value of key in mapping m, or nil.
func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// check returns what the registry refuses at start-up in b.
func (b *RegistryBase) check() error {
	version := lookup(b.root, "version")
	switch {
	case version == nil || version.Tag == "!!null":
		return fmt.Errorf("config_yaml has no version, which the registry requires (\"no version specified\"): add version: 0.1")
	case version.Kind != yaml.ScalarNode || version.Value != "0.1":
		return fmt.Errorf("config_yaml line %d: version %q is not one the registry knows (it reads 0.1 only): write version: 0.1", version.Line, version.Value)
	}
	if err := checkRegistryStorage(lookup(b.root, "storage")); err != nil {
		return err
	}
	http := lookup(b.root, "http")
	if http == nil || http.Tag == "!!null" {
		return nil
	}
	if http.Kind != yaml.MappingNode {
		return fmt.Errorf("config_yaml line %d: http is not a mapping: write its settings (secret, headers, ...) as one, or leave it out", http.Line)
	}
	for _, owned := range []string{"addr", "tls"} {
		if lookup(http, owned) != nil {
			return fmt.Errorf("config_yaml sets http.%s, which this data source writes itself (address, and the TLS arguments): remove it", owned)
		}
	}
	if n := lookup(http, "net"); n != nil && n.Value != "tcp" {
		return fmt.Errorf("config_yaml line %d: http.net %q would make the registry read address as a %s address, but address is TCP "+
			"(HOST:PORT, with TLS): remove http.net", n.Line, n.Value, n.Value)
	}
	return nil
}

// checkRegistryStorage returns an error unless storage names exactly one
// storage type, as the registry requires.
func checkRegistryStorage(storage *yaml.Node) error {
	const fix = "add storage: {filesystem: {rootdirectory: /var/lib/registry}}"
	if storage == nil || storage.Tag == "!!null" {
		return fmt.Errorf("config_yaml has no storage, which the registry refuses to start without (\"no storage configuration provided\"): " + fix)
	}
	if storage.Kind == yaml.ScalarNode {
		// storage: inmemory, a type without parameters.
		if storage.Value == "" || slices.Contains(registryStorageParameters, storage.Value) {
			return fmt.Errorf("config_yaml line %d: storage %q names no storage type, and the registry refuses to start "+
				"(\"no storage configuration provided\"): %s", storage.Line, storage.Value, fix)
		}
		return nil
	}
	if storage.Kind != yaml.MappingNode {
		return fmt.Errorf("config_yaml line %d: storage is neither a storage type's name nor a mapping: %s", storage.Line, fix)
	}
	var types []string
	for i := 0; i+1 < len(storage.Content); i += 2 {
		k, v := storage.Content[i].Value, storage.Content[i+1]
		if v.Kind != yaml.MappingNode && v.Tag != "!!null" {
			return fmt.Errorf("config_yaml line %d: storage.%s is not a mapping of its settings, which the registry refuses "+
				"(\"cannot unmarshal\"): write storage: {%s: {...}}, or %s: with nothing after it", v.Line, k, k, k)
		}
		if !slices.Contains(registryStorageParameters, k) {
			types = append(types, k)
		}
	}
	switch len(types) {
	case 0:
		return fmt.Errorf("config_yaml line %d: storage names no storage type, only its parameters (%s), and the registry refuses to start "+
			"(\"no storage configuration provided\"): %s", storage.Line, strings.Join(registryStorageParameters, ", "), fix)
	case 1:
		return nil
	}
	return fmt.Errorf("config_yaml line %d: storage names %d storage types (%s), and the registry refuses to start (\"must provide exactly one "+
		"storage type\"): keep one", storage.Line, len(types), strings.Join(types, ", "))
}

// httpSection is the http section as YAML's data.
func (r Registry) httpSection() map[string]any {
	tlsSection := map[string]any{"certificate": r.CertPath, "key": r.KeyPath, "minimumtls": r.MinimumTLS}
	if r.TLSVerify {
		tlsSection["clientcas"] = []any{r.CACertPath}
	}
	return map[string]any{"addr": r.Addr, "tls": tlsSection}
}

// Config is the whole configuration: Base, node by node as written, with
// the http section's addr and tls added (Base's other http keys, such as
// secret or headers, are kept).
func (r Registry) Config() (string, error) {
	var root yaml.Node
	if err := root.Encode(r.Base.root); err != nil { // a deep copy
		return "", err
	}
	http := lookup(&root, "http")
	if http == nil || http.Kind != yaml.MappingNode {
		http = &yaml.Node{Kind: yaml.MappingNode}
		setKey(&root, "http", http)
	}
	section := r.httpSection()
	for _, key := range []string{"addr", "tls"} {
		var v yaml.Node
		if err := v.Encode(section[key]); err != nil {
			return "", err
		}
		setKey(http, key, &v)
	}
	var b strings.Builder
	b.WriteString("# Written by Terraform (dockertls_registry_config).\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := errors.Join(enc.Encode(&root), enc.Close()); err != nil {
		return "", err
	}
	if err := r.Base.sameMeaning(b.String(), section); err != nil {
		return "", err
	}
	return b.String(), nil
}

// sameMeaning returns an error unless rendered, read as the registry reads
// YAML (go.yaml.in/yaml/v2, YAML 1.1), is b's own text with http.addr and
// http.tls set to section's: the check that no value changed meaning on
// its way through yaml.v3's encoder (which rewrites some block scalars).
func (b *RegistryBase) sameMeaning(rendered string, section map[string]any) error {
	var original, got map[string]any
	if err := yamlv2.Unmarshal([]byte(b.text), &original); err != nil {
		return fmt.Errorf("the registry's YAML parser refuses config_yaml: %w", err)
	}
	if err := yamlv2.Unmarshal([]byte(rendered), &got); err != nil {
		return fmt.Errorf("the registry's YAML parser refuses the rendered config.yml: %w", err)
	}
	http, _ := got["http"].(map[any]any)
	want := map[any]any{}
	if h, ok := original["http"].(map[any]any); ok {
		want = maps.Clone(h)
	}
	var wantSection map[string]any
	if err := yamlv2.Unmarshal(mustYAMLv2(section), &wantSection); err != nil {
		return err
	}
	for key, v := range wantSection {
		want[key] = v
	}
	original["http"] = want
	got["http"] = http
	if !reflect.DeepEqual(original, got) {
		return fmt.Errorf("config_yaml would not keep its meaning through the rendering (a block scalar, |- or >-, with leading blank lines or " +
			"more-indented lines is one form that changes): write those values as quoted strings")
	}
	return nil
}

func mustYAMLv2(v any) []byte {
	b, err := yamlv2.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// keepEmptyNulls writes each empty null (key: with nothing after it) as
// null: yaml.v3 would encode it as ”, an empty string, where the registry
// read null.
func keepEmptyNulls(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" {
		n.Value = "null"
	}
	for _, c := range n.Content {
		keepEmptyNulls(c)
	}
}

// setKey sets key to value in mapping m, in place or at the end.
func setKey(m *yaml.Node, key string, value *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = value
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, value)
}

// YAML returns the configuration's http section, to merge into the rest of
// the registry's configuration (version, storage, ...).
func (r Registry) YAML() string {
	var b strings.Builder
	b.WriteString("http:\n  addr: " + yamlString(r.Addr) + "\n  tls:\n")
	b.WriteString("    certificate: " + yamlString(r.CertPath) + "\n    key: " + yamlString(r.KeyPath) + "\n")
	if r.TLSVerify {
		b.WriteString("    clientcas:\n      - " + yamlString(r.CACertPath) + "\n")
	}
	b.WriteString("    minimumtls: " + yamlString(r.MinimumTLS) + "\n")
	return b.String()
}

// RegistryRendered is a registry's TLS configuration as files.
type RegistryRendered struct {
	YAML           string
	Files          []File
	RestartTrigger string
	// CloudConfig writes Files (with the whole configuration when Base is
	// given) and restarts nothing: the registry runs as a container, a
	// package's service or a pod, each restarted its way.
	CloudConfig string
}

// Render fills in r's defaults, checks them and renders the files.
func (r Registry) Render() (RegistryRendered, []Problem) {
	r = r.WithDefaults()
	problems := r.Check()
	if hasError(problems) {
		return RegistryRendered{}, problems
	}
	if r.Base == nil && r.BaseYAML != "" {
		r.Base, _ = ParseRegistryBase(r.BaseYAML) // Check has judged it
	}
	out := RegistryRendered{YAML: r.YAML()}
	tls := r.tls()
	out.Files = tls.files()
	if r.Base != nil {
		config, err := r.Config()
		if err != nil {
			return RegistryRendered{}, append(problems, Problem{Field: FieldConfigYAML, Summary: "Could not render config.yml", Detail: err.Error()})
		}
		out.Files = append([]File{{Name: RegistryConfigName, Path: r.ConfigPath, Content: config, Mode: ModeConfig}}, out.Files...)
	}
	// The registry reads its TLS files only at start-up.
	trigger, layout := tls.finish(out.Files, File{Name: "http", Content: out.YAML})
	if len(layout) > 0 {
		return RegistryRendered{}, append(problems, layout...)
	}
	out.RestartTrigger = trigger
	out.CloudConfig = cloudConfig("dockertls_registry_config", out.Files, "root:root", false, nil)
	return out, problems
}

// tls is r's TLS as the server pipeline takes it; r has its defaults.
func (r Registry) tls() serverTLS {
	var names []Host
	if r.Name != "" && !r.Pending[FieldRegistry] && CheckRegistry(r.Name) == nil {
		names = []Host{{Hostname: RegistryClient{Registry: r.Name}.Hostname()}}
	}
	return serverTLS{caPath: r.CACertPath, certPath: r.CertPath, keyPath: r.KeyPath, material: r.Material, verify: r.TLSVerify,
		names: names, now: r.Now, pending: r.Pending}
}

// Check returns what the registry would refuse in r, which has its
// defaults, skipping what needs a Pending input.
func (r Registry) Check() []Problem {
	var out []Problem
	if r.BaseYAML != "" && !r.Pending[FieldConfigYAML] {
		if _, err := ParseRegistryBase(r.BaseYAML); err != nil {
			out = append(out, Problem{Field: FieldConfigYAML, Summary: "Invalid config_yaml", Detail: err.Error()})
		}
	}
	if !r.Pending.Any(FieldAddress, FieldMinimumTLS, FieldTLSDir, FieldCACertPath, FieldCertPath, FieldKeyPath, FieldConfigPath) {
		out = append(out, r.checkSettings()...)
	}
	if r.Name != "" && !r.Pending[FieldRegistry] {
		if err := CheckRegistry(r.Name); err != nil {
			out = append(out, Problem{Field: FieldRegistry, Summary: "Invalid registry", Detail: err.Error()})
		}
	}
	if !r.Pending.Any(FieldTLSVerify, FieldRegistry) {
		out = append(out, r.tls().check()...)
	}
	return out
}

// checkSettings returns what the registry would refuse in its listener
// and paths.
func (r Registry) checkSettings() []Problem {
	var out []Problem
	if err := CheckListenAddr(r.Addr); err != nil {
		out = append(out, Problem{Field: FieldAddress, Summary: "Invalid address", Detail: err.Error()})
	}
	if !slices.Contains(MinimumTLSVersions, r.MinimumTLS) {
		out = append(out, Problem{Field: FieldMinimumTLS, Summary: "Invalid minimum_tls", Detail: fmt.Sprintf(
			"minimum_tls %q is not one the registry knows (\"unknown minimum TLS level\"): write one of %s", r.MinimumTLS, strings.Join(MinimumTLSVersions, ", "))})
	}
	if err := checkAbsolute("the registry", FieldConfigPath, r.ConfigPath, DefaultRegistryConfigPath); err != nil {
		out = append(out, Problem{Field: FieldConfigPath, Summary: "Invalid config_path", Detail: err.Error()})
	}
	return append(out, checkTLSPaths("the registry", DefaultRegistryTLSDir, r.TLSDir, r.CACertPath, r.CertPath, r.KeyPath)...)
}

// CheckListenAddr returns an error unless addr is a Go listen address with
// a port, such as ":5000" or "192.0.2.10:5000".
func CheckListenAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		if n, perr := strconv.Atoi(port); perr != nil || n < 1 || n > 65535 {
			err = fmt.Errorf("the port %q is not a number from 1 to 65535", port)
		}
	}
	if err == nil && host != "" && net.ParseIP(host) == nil && !validDNSName(strings.ToLower(host)) {
		err = fmt.Errorf("%q is not a host name or an address the registry can listen on", host)
	}
	if ip := net.ParseIP(host); err == nil && ip != nil && ip.To4() == nil && (ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast()) {
		err = fmt.Errorf("%s is a link-local IPv6 address, which the registry can listen on only with a zone (%%eth0) that address cannot carry; use the host's global or unique-local address", host)
	}
	if err != nil {
		return fmt.Errorf("address %q is not HOST:PORT (%w): write it as :5000 for every interface, or 192.0.2.10:5000", addr, err)
	}
	return nil
}

// The file names each registry client reads in its folder for a registry
// (dockerd: daemon/pkg/registry, ReadCertsDirectory): *.crt are CAs, a
// *.cert with the *.key of the same name a client pair.
const (
	RegistryCAFileName   = "ca.crt"
	RegistryCertFileName = "client.cert"
	RegistryKeyFileName  = "client.key"
	// ContainerdHostsName is containerd's file in its folder.
	ContainerdHostsName = "hosts.toml"
)

// The certs.d directories of the clients, each holding a folder per
// registry named as the registry in image references, HOST or HOST:PORT.
const (
	DefaultDockerCertsDir     = "/etc/docker/certs.d"
	DefaultContainersCertsDir = "/etc/containers/certs.d"
	DefaultContainerdCertsDir = "/etc/containerd/certs.d"
	// DefaultBuildkitCertsDir is this package's choice: buildkitd reads
	// the paths its [registry] section names.
	DefaultBuildkitCertsDir = "/etc/buildkit/certs.d"
)

// RegistryClient describes the clients of one registry: their files,
// folders and configuration sections.
type RegistryClient struct {
	// Registry is HOST or HOST:PORT, exactly as image references name it.
	Registry string
	// The clients' certs.d directories; empty means the default.
	DockerCertsDir, ContainersCertsDir, ContainerdCertsDir, BuildkitCertsDir string

	// Material is what Check judges; its ServerCertPEM is checked for the
	// registry's host name.
	Material ClientMaterial
	// Now is when Check judges the certificates' validity.
	Now time.Time
	// Pending are the inputs not known yet, whose checks Check skips.
	Pending Pending
}

// WithDefaults returns c with every empty directory set to the default.
func (c RegistryClient) WithDefaults() RegistryClient {
	for _, d := range []struct {
		v   *string
		def string
	}{{&c.DockerCertsDir, DefaultDockerCertsDir}, {&c.ContainersCertsDir, DefaultContainersCertsDir},
		{&c.ContainerdCertsDir, DefaultContainerdCertsDir}, {&c.BuildkitCertsDir, DefaultBuildkitCertsDir}} {
		if *d.v == "" {
			*d.v = d.def
		}
	}
	return c
}

// Hostname is the registry's host without the port.
func (c RegistryClient) Hostname() string {
	if h, _, err := net.SplitHostPort(c.Registry); err == nil {
		return h
	}
	return strings.Trim(c.Registry, "[]")
}

// The inputs of a registry's clients, as Problems name them (with
// FieldRegistry).
const (
	FieldDockerCertsDir     Field = "docker_certs_dir"
	FieldContainersCertsDir Field = "containers_certs_dir"
	FieldContainerdCertsDir Field = "containerd_certs_dir"
	FieldBuildkitCertsDir   Field = "buildkit_certs_dir"
)

// certsDDir is a certs.d directory and the input that sets it.
type certsDDir struct {
	name  Field
	value string
}

// certsDDirs are the certs.d directories and their inputs.
func (c RegistryClient) certsDDirs() []certsDDir {
	return []certsDDir{
		{FieldDockerCertsDir, c.DockerCertsDir}, {FieldContainersCertsDir, c.ContainersCertsDir},
		{FieldContainerdCertsDir, c.ContainerdCertsDir}, {FieldBuildkitCertsDir, c.BuildkitCertsDir},
	}
}

// CheckRegistry returns an error unless s names a registry as image
// references do: HOST or HOST:PORT, nothing else. The clients look up
// their folder by that exact text, so a scheme or path would name a folder
// none of them reads.
func CheckRegistry(s string) error {
	fix := s
	if _, rest, ok := strings.Cut(fix, "://"); ok {
		fix = rest
	}
	fix, _, _ = strings.Cut(fix, "/")
	hint := ""
	if fix != s && fix != "" {
		hint = ": write " + fix
	}
	switch {
	case s == "":
		return fmt.Errorf("registry is empty: write HOST:PORT, such as registry.example.internal:5000")
	case fix != s:
		return fmt.Errorf("registry %q is not HOST or HOST:PORT: the clients look up the registry's folder (certs.d/HOST:PORT) by the registry's "+
			"name as image references write it, without a scheme or a path%s", s, hint)
	case strings.ToLower(s) != s:
		return fmt.Errorf("registry %q has upper-case letters: image references name registries in lower case, and the folder must match: write %s", s, strings.ToLower(s))
	}
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		if n, perr := strconv.Atoi(port); perr != nil || n < 1 || n > 65535 {
			return fmt.Errorf("registry %q: the port %q must be a number from 1 to 65535", s, port)
		}
		host = h
	} else if strings.Count(s, ":") > 1 && !strings.HasPrefix(s, "[") {
		return fmt.Errorf("registry %q: an IPv6 address is written in brackets, as [%s]:5000", s, s)
	}
	if net.ParseIP(strings.Trim(host, "[]")) == nil && !validDNSName(host) {
		return fmt.Errorf("registry %q: %q is not a host name or an IP address", s, host)
	}
	if !strings.ContainsAny(s, ".:") && s != "localhost" {
		// distribution/reference: the first element of an image name is a
		// registry only if it has a dot or a port, or is localhost.
		return fmt.Errorf("registry %q is one label without a port: in an image reference %s/IMAGE names the namespace %s on Docker Hub, "+
			"so no client would use this registry's files (certs.d/%s): write its full name (%s.example.internal) or add its port (%s:5000)",
			s, s, s, s, s, s)
	}
	return nil
}

func validDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, r := range label {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
				return false
			}
		}
	}
	return true
}

// LoopbackWarning returns why dockerd may ignore the files for registry,
// or "": dockerd treats 127.0.0.0/8 (and ::1) as an insecure registry, and
// with its classic image store it then neither reads certs.d nor presents
// a client certificate (it tries HTTPS without one, then plain HTTP).
// Measured: dockerd 20.10 and 28.5.2 do so; Engine 29 with its default
// containerd image store tries HTTPS with the certs.d files first.
func (c RegistryClient) LoopbackWarning() string {
	host := c.Hostname()
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return ""
	}
	return fmt.Sprintf("registry %q is a loopback address, which dockerd always treats as an insecure registry. With its classic "+
		"image store (dockerd 20.10 to 28) it then ignores certs.d and presents no client certificate, so a registry that wants one "+
		"refuses it; only Engine 29's containerd image store uses the files there. Reach the registry by a name or an address "+
		"outside 127.0.0.0/8 to serve every engine (the other clients are not affected)", c.Registry)
}

// folder is the registry's folder in dir.
func (c RegistryClient) folder(dir string) string { return path.Join(dir, c.Registry) }

// pairFiles are the CA, client certificate and key in folder.
func pairFiles(folder, caPEM, certPEM, keyPEM string) []File {
	return []File{
		{Name: RegistryCAFileName, Path: path.Join(folder, RegistryCAFileName), Content: caPEM, Mode: ModeCertificate},
		{Name: RegistryCertFileName, Path: path.Join(folder, RegistryCertFileName), Content: certPEM, Mode: ModeCertificate},
		{Name: RegistryKeyFileName, Path: path.Join(folder, RegistryKeyFileName), Content: keyPEM, Mode: ModePrivateKey, Sensitive: true},
	}
}

// DockerFiles are dockerd's: certs.d/REGISTRY/{ca.crt,client.cert,client.key}.
func (c RegistryClient) DockerFiles(caPEM, certPEM, keyPEM string) []File {
	return pairFiles(c.folder(c.DockerCertsDir), caPEM, certPEM, keyPEM)
}

// ContainersFiles are Podman's, Buildah's, Skopeo's and CRI-O's
// (containers-certs.d(5)), with the same names as dockerd's.
func (c RegistryClient) ContainersFiles(caPEM, certPEM, keyPEM string) []File {
	return pairFiles(c.folder(c.ContainersCertsDir), caPEM, certPEM, keyPEM)
}

// ContainerdHostsTOML is containerd's hosts.toml for the registry, in the
// registry's folder of containerd's config_path.
func (c RegistryClient) ContainerdHostsTOML() string {
	folder := c.folder(c.ContainerdCertsDir)
	server := "https://" + c.Registry
	return "# Written by Terraform (dockertls_registry_client_config).\n" +
		"server = " + tomlString(server) + "\n\n" +
		"[host." + tomlString(server) + "]\n" +
		"  capabilities = [\"pull\", \"resolve\", \"push\"]\n" +
		"  ca = " + tomlString(path.Join(folder, RegistryCAFileName)) + "\n" +
		"  client = [[" + tomlString(path.Join(folder, RegistryCertFileName)) + ", " + tomlString(path.Join(folder, RegistryKeyFileName)) + "]]\n"
}

// ContainerdFiles are hosts.toml and the files it names.
func (c RegistryClient) ContainerdFiles(caPEM, certPEM, keyPEM string) []File {
	folder := c.folder(c.ContainerdCertsDir)
	return append([]File{{Name: ContainerdHostsName, Path: path.Join(folder, ContainerdHostsName), Content: c.ContainerdHostsTOML(), Mode: ModeConfig}},
		pairFiles(folder, caPEM, certPEM, keyPEM)...)
}

// BuildkitdTOML is buildkitd.toml's section for the registry, naming the
// files of BuildkitdFiles: to append to buildkitd.toml (Buildkitd's
// ExtraTOML).
func (c RegistryClient) BuildkitdTOML() string {
	folder := c.folder(c.BuildkitCertsDir)
	table := "registry." + tomlString(c.Registry)
	return "[" + table + "]\n" +
		"  ca = [" + tomlString(path.Join(folder, RegistryCAFileName)) + "]\n" +
		"  [[" + table + ".keypair]]\n" +
		"    key = " + tomlString(path.Join(folder, RegistryKeyFileName)) + "\n" +
		"    cert = " + tomlString(path.Join(folder, RegistryCertFileName)) + "\n"
}

// BuildkitdFiles are the files BuildkitdTOML names.
func (c RegistryClient) BuildkitdFiles(caPEM, certPEM, keyPEM string) []File {
	return pairFiles(c.folder(c.BuildkitCertsDir), caPEM, certPEM, keyPEM)
}

// RegistryClientFields are the inputs RegistryClient's problems name.
var RegistryClientFields = append([]Field{FieldRegistry, FieldDockerCertsDir, FieldContainersCertsDir, FieldContainerdCertsDir,
	FieldBuildkitCertsDir}, ClientMaterialFields...)

// Check returns what the clients would not read in c, which has its
// defaults, for the inputs that are known: the registry's name, the
// directories, material that would fail the handshake, and a server
// certificate that does not name the registry's host.
func (c RegistryClient) Check() []Problem {
	var out []Problem
	if !c.Pending.Any(FieldRegistry, FieldDockerCertsDir, FieldContainersCertsDir, FieldContainerdCertsDir, FieldBuildkitCertsDir) {
		out = c.checkSettings()
	}
	material, serverCert := c.Material.check(c.Now, c.Pending)
	out = append(out, material...)
	if serverCert == nil || c.Pending.Any(FieldRegistry) || CheckRegistry(c.Registry) != nil {
		return out
	}
	if err := CheckTLSServerName(c.Hostname(), serverCert); err != nil {
		out = append(out, Problem{Field: FieldRegistry, Summary: "The server certificate does not name the registry", Detail: err.Error()})
	}
	return out
}

// checkSettings returns what the clients would not read in the registry's
// name and the directories.
func (c RegistryClient) checkSettings() []Problem {
	var out []Problem
	if err := CheckRegistry(c.Registry); err != nil {
		out = append(out, Problem{Field: FieldRegistry, Summary: "Invalid registry", Detail: err.Error()})
	} else if w := c.LoopbackWarning(); w != "" {
		out = append(out, Problem{Field: FieldRegistry, Warning: true, Summary: "dockerd ignores certs.d for a loopback registry", Detail: w})
	}
	for _, d := range c.certsDDirs() {
		if err := checkAbsolute("each client", d.name, d.value, "/etc/docker/certs.d"); err != nil {
			out = append(out, Problem{Field: d.name, Summary: "Invalid " + string(d.name), Detail: err.Error()})
		}
	}
	return out
}
