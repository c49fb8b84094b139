// Package authzplugin is opa-docker-authz's decision, for the tests: a
// Docker authorization plugin (dockerd's AuthZPlugin protocol, JSON over a
// unix socket) that builds opa-docker-authz's input document from each
// request and evaluates a Rego policy file with OPA, as opa-docker-authz
// does with -policy-file. opa-docker-authz's module is not on the Go module
// proxy here; OPA is.
//
// How it matches opa-docker-authz (main.go at github.com/open-policy-agent/
// opa-docker-authz, the version that builds on OPA 1.x):
//   - the input document's fields and how each is made: makeInput and
//     listBindMounts are followed line for line in Input and bindMounts;
//   - the body is decoded only when the Content-Type header is exactly
//     application/json and a body came, into a map (a body that is not a
//     JSON object is an error, which refuses the request);
//   - the policy file is read at every request, and a missing one allows
//     every request ("failing open"), which is why a policy must be in place
//     before its plugin runs;
//   - the query is data.docker.authz.allow; an undefined or false decision
//     refuses with "request rejected by administrative policy", an error of
//     evaluation with the error as Err;
//   - HEAD /_ping is allowed without evaluation (-skip-ping, on by
//     default); every response is allowed (AuthZRes).
//
// Beside that, it records each refused request with the policy's own
// reasons (data.docker.authz.refusals), for the tests to read.
package authzplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"
)

// Request is what dockerd sends an authorization plugin (moby:
// pkg/authorization/api.go), the fields a decision reads.
type Request struct {
	User            string            `json:"User,omitempty"`
	UserAuthNMethod string            `json:"UserAuthNMethod,omitempty"`
	RequestMethod   string            `json:"RequestMethod,omitempty"`
	RequestURI      string            `json:"RequestUri,omitempty"`
	RequestBody     []byte            `json:"RequestBody,omitempty"`
	RequestHeaders  map[string]string `json:"RequestHeaders,omitempty"`
}

// Response is a plugin's answer (moby: pkg/authorization/api.go).
type Response struct {
	Allow bool   `json:"Allow"`
	Msg   string `json:"Msg,omitempty"`
	Err   string `json:"Err,omitempty"`
}

// RefusedMessage is opa-docker-authz's message for a refused request.
const RefusedMessage = "request rejected by administrative policy"

// BindMount is a bind source of a request, as opa-docker-authz lists it.
type BindMount struct {
	Source   string
	ReadOnly bool
	Resolved string
}

// Input is opa-docker-authz's input document for r (its makeInput).
func Input(r Request) (map[string]any, error) {
	var body map[string]any
	if r.RequestHeaders["Content-Type"] == "application/json" && len(r.RequestBody) > 0 {
		if err := json.Unmarshal(r.RequestBody, &body); err != nil {
			return nil, err
		}
	}
	u, err := url.Parse(r.RequestURI)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"Headers":    r.RequestHeaders,
		"Path":       r.RequestURI,
		"PathPlain":  u.Path,
		"PathArr":    strings.Split(u.Path, "/"),
		"Query":      u.Query(),
		"Method":     r.RequestMethod,
		"Body":       body,
		"User":       r.User,
		"AuthMethod": r.UserAuthNMethod,
		"BindMounts": bindMounts(body),
	}, nil
}

// bindMounts is opa-docker-authz's listBindMounts: the HostConfig's binds
// that start with "/" and its mounts of type bind, each resolved through
// symbolic links on this machine.
func bindMounts(body map[string]any) []BindMount {
	var out []BindMount
	if hc, ok := body["HostConfig"].(map[string]any); ok {
		if binds, ok := hc["Binds"].([]any); ok {
			for _, v := range binds {
				if bind, ok := v.(string); ok && strings.HasPrefix(bind, "/") {
					parts := strings.Split(bind, ":")
					m := BindMount{Source: parts[0]}
					if len(parts) == 3 && parts[2] == "ro" {
						m.ReadOnly = true
					}
					out = append(out, m)
				}
			}
		}
		if mounts, ok := hc["Mounts"].([]any); ok {
			for _, v := range mounts {
				m, ok := v.(map[string]any)
				if !ok {
					continue
				}
				typ, typeOK := m["Type"].(string)
				src, srcOK := m["Source"].(string)
				if typeOK && srcOK && typ == "bind" {
					ro, ok := m["ReadOnly"].(bool)
					out = append(out, BindMount{Source: src, ReadOnly: ok && ro})
				}
			}
		}
	}
	for i, m := range out {
		if resolved, err := filepath.EvalSymlinks(m.Source); err == nil {
			out[i].Resolved = filepath.Clean(resolved)
		}
	}
	return out
}

// Decision is a policy's answer to one input.
type Decision struct {
	Allow bool
	// Refusals are the policy's reasons (data.docker.authz.refusals).
	Refusals []string
}

// Decide evaluates policy on input as opa-docker-authz does, and reads the
// policy's reasons beside.
func Decide(ctx context.Context, policy string, input map[string]any) (Decision, error) {
	var d Decision
	rs, err := rego.New(rego.Query("data.docker.authz.allow"), rego.Input(input), rego.Module("authz.rego", policy)).Eval(ctx)
	if err != nil {
		return d, err
	}
	if len(rs) > 0 {
		allow, ok := rs[0].Expressions[0].Value.(bool)
		if !ok {
			return d, errors.New("administrative policy decision invalid")
		}
		d.Allow = allow
	}
	rs, err = rego.New(rego.Query("data.docker.authz.refusals"), rego.Input(input), rego.Module("authz.rego", policy)).Eval(ctx)
	if err != nil {
		return d, err
	}
	if len(rs) > 0 {
		if set, ok := rs[0].Expressions[0].Value.([]any); ok {
			for _, r := range set {
				d.Refusals = append(d.Refusals, fmt.Sprint(r))
			}
		}
	}
	return d, nil
}

// Record is one request the plugin judged.
type Record struct {
	User, Method, URI string
	Decision          Decision
	Err               error
}

// Plugin serves the protocol on a unix socket for one policy file.
type Plugin struct {
	PolicyFile string
	listener   net.Listener
	server     *http.Server

	mu      sync.Mutex
	records []Record
}

// Serve starts a plugin on socket, judging by the policy in policyFile.
func Serve(socket, policyFile string) (*Plugin, error) {
	if err := os.MkdirAll(filepath.Dir(socket), 0o755); err != nil {
		return nil, err
	}
	_ = os.Remove(socket)
	l, err := net.Listen("unix", socket)
	if err != nil {
		return nil, err
	}
	p := &Plugin{PolicyFile: policyFile, listener: l}
	mux := http.NewServeMux()
	mux.HandleFunc("/Plugin.Activate", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, map[string][]string{"Implements": {"authz"}})
	})
	mux.HandleFunc("/AuthZPlugin.AuthZReq", func(w http.ResponseWriter, r *http.Request) {
		var req Request
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			reply(w, Response{Err: err.Error()})
			return
		}
		reply(w, p.judge(r.Context(), req))
	})
	mux.HandleFunc("/AuthZPlugin.AuthZRes", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, Response{Allow: true})
	})
	p.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.server.Serve(l) }()
	return p, nil
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/vnd.docker.plugins.v1.2+json")
	_ = json.NewEncoder(w).Encode(v)
}

// judge is opa-docker-authz's AuthZReq.
func (p *Plugin) judge(ctx context.Context, req Request) Response {
	if req.RequestMethod == http.MethodHead && req.RequestURI == "/_ping" {
		return Response{Allow: true}
	}
	d, err := p.decide(ctx, req)
	p.mu.Lock()
	p.records = append(p.records, Record{User: req.User, Method: req.RequestMethod, URI: req.RequestURI, Decision: d, Err: err})
	p.mu.Unlock()
	switch {
	case d.Allow:
		return Response{Allow: true}
	case err != nil:
		return Response{Err: err.Error()}
	}
	return Response{Msg: RefusedMessage}
}

func (p *Plugin) decide(ctx context.Context, req Request) (Decision, error) {
	policy, err := os.ReadFile(p.PolicyFile)
	if errors.Is(err, os.ErrNotExist) {
		return Decision{Allow: true}, nil // as opa-docker-authz: fails open
	}
	if err != nil {
		return Decision{}, err
	}
	input, err := Input(req)
	if err != nil {
		return Decision{}, err
	}
	return Decide(ctx, string(policy), input)
}

// Records are the requests judged so far.
func (p *Plugin) Records() []Record {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Record(nil), p.records...)
}

// Close stops the plugin and removes its socket.
func (p *Plugin) Close() error {
	err := p.server.Close()
	_ = os.Remove(p.listener.Addr().String())
	return err
}
