package provider

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// stringCheck adapts a function that checks one string into a
// validator.String. The function's error becomes the diagnostic's detail,
// so it must say how to fix the value and must not quote secrets.
type stringCheck struct {
	summary     string
	description string
	check       func(string) error
}

var _ validator.String = stringCheck{}

func (v stringCheck) Description(context.Context) string         { return v.description }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.description }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, fmt.Sprintf("%s: %s", req.Path, err))
	}
}

// subjectTextValidators check a name in a certificate's subject: 1 to
// maxSubjectNameLength characters (RFC 5280's upper bounds count
// characters, not bytes), and one line of printable text, not only spaces.
func subjectTextValidators() []validator.String {
	return []validator.String{stringvalidator.UTF8LengthBetween(1, maxSubjectNameLength), subjectTextValidator}
}

var subjectTextValidator = stringCheck{
	summary:     "Invalid name",
	description: "must be one line of printable text",
	check: func(s string) error {
		if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
			return fmt.Errorf("the name has the control character %q: write it on one line of printable text", s[i])
		}
		if strings.TrimSpace(s) == "" {
			return errors.New("the name is only white space: write a name, such as ci-runner")
		}
		return nil
	},
}

var (
	dnsNameValidator = stringCheck{
		summary:     "Invalid DNS name",
		description: "must be a host name of letters, digits, hyphens and dots, optionally starting with \"*.\"",
		check:       pki.ValidateDNSName,
	}
	ipAddressValidator = stringCheck{
		summary:     "Invalid IP address",
		description: "must be an IPv4 or IPv6 address without a zone",
		check: func(s string) error {
			_, err := pki.ParseIPAddress(s)
			return err
		},
	}
	caCertificateValidator = stringCheck{
		summary:     "Invalid CA certificate",
		description: "must be one PEM-encoded CA certificate",
		check: memoized(func(s string) error {
			_, err := pki.ParseCACertificatePEM(s)
			return err
		}),
	}
	caBundleValidator = stringCheck{
		summary:     "Invalid CA certificate bundle",
		description: "must be one or more PEM-encoded CA certificates",
		check: memoized(func(s string) error {
			_, err := pki.ParseCABundlePEM(s)
			return err
		}),
	}
	privateKeyValidator = stringCheck{
		summary:     "Invalid private key",
		description: "must be one PEM-encoded private key",
		check: memoized(func(s string) error {
			// An encrypted key is fine here; its passphrase is checked with it.
			_, err := pki.ParsePrivateKeyPEM(s)
			if errors.Is(err, pki.ErrEncryptedKey) {
				return nil
			}
			return err
		}),
	}
	constraintDomainValidator = stringCheck{
		summary:     "Invalid permitted DNS domain",
		description: "must be a DNS domain, optionally with a leading dot",
		check:       pki.ValidateConstraintDomain,
	}
	ipRangeValidator = stringCheck{
		summary:     "Invalid IP range",
		description: "must be a CIDR range such as 10.0.0.0/8",
		check: func(s string) error {
			_, err := pki.ParseIPRange(s)
			return err
		},
	}
	csrValidator = stringCheck{
		summary:     "Invalid certificate signing request",
		description: "must be one PEM-encoded CSR with a valid signature",
		check: func(s string) error {
			_, err := pki.ParseCSRPEM(s)
			return err
		},
	}
)

// notEmptyValidator refuses an explicit "" for an optional argument whose
// absence means a default. The domain reads "" as not given, so without it
// an empty value would silently take the default where the user wrote
// something else by mistake (an empty variable, a failed lookup).
var notEmptyValidator = stringCheck{
	summary:     "Empty argument",
	description: "must not be empty: leave it out to take its default",
	check: func(s string) error {
		if s == "" {
			return errors.New("the value is empty: leave the argument out (or null) to take its default, or give a value")
		}
		return nil
	},
}

// emptyCheckedBy refuses an explicit "" with the domain's own check of
// it (check("")), where the domain reads "" as not given: the message the
// value got before the domain took the check over.
func emptyCheckedBy(summary string, check func(string) error) stringCheck {
	return stringCheck{summary: summary, description: "must not be empty", check: func(s string) error {
		if s != "" {
			return nil
		}
		return check(s)
	}}
}

// caBundleRules is what the descriptions of a trust bundle attribute say
// of its blocks.
const caBundleRules = "Each block must be a CA certificate (an error names the block that is not); nothing else may stand between them."

// memoized returns check with its result remembered for each distinct
// input, keyed by the input's SHA-256 (never the input itself), for the life
// of the provider process. A fleet hands the same CA certificate and key to
// every certificate, and each is validated in both the plan and the apply:
// parsing them once instead (an RSA key takes milliseconds) keeps validation
// near free.
func memoized(check func(string) error) func(string) error {
	var results sync.Map // [sha256.Size]byte → error
	return func(s string) error {
		k := sha256.Sum256([]byte(s))
		if err, ok := results.Load(k); ok {
			e, _ := err.(error)
			return e
		}
		err := check(s)
		results.Store(k, err)
		return err
	}
}

// uniqueNamesValidator refuses a list that names the same thing twice,
// after normalization (case for DNS names, notation for IP addresses).
type uniqueNamesValidator struct {
	normalize func(string) string
}

var _ validator.List = uniqueNamesValidator{}

func (v uniqueNamesValidator) Description(context.Context) string {
	return "must not list the same name twice"
}

func (v uniqueNamesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v uniqueNamesValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]int{}
	elems := req.ConfigValue.Elements()
	for i, e := range elems {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		key := v.normalize(s.ValueString())
		if first, dup := seen[key]; dup {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Duplicate name",
				fmt.Sprintf("%s[%d] %s names the same thing as %s[%d] %s: remove the duplicate.",
					req.Path, i, elems[i], req.Path, first, elems[first]))
			continue
		}
		seen[key] = i
	}
}

var (
	settingsJSONValidator = stringCheck{
		summary:     "Invalid settings_json",
		description: "must be a JSON object that sets none of the keys this data source owns",
		check: func(s string) error {
			_, err := dockerconf.ParseSettings(s)
			return err
		},
	}
	hostValidator = stringCheck{
		summary:     "Invalid Docker host",
		description: "must be unix://PATH, tcp://ADDRESS:PORT, fd:// or npipe:////./pipe/NAME",
		check: func(s string) error {
			_, err := dockerconf.ParseHost(s)
			return err
		},
	}
	buildkitHostValidator = stringCheck{
		summary:     "Invalid BuildKit host",
		description: "must be tcp://ADDRESS:PORT",
		check: func(s string) error {
			if rest, ok := strings.CutPrefix(s, "tcp://"); ok && !strings.Contains(rest[strings.LastIndex(rest, "]")+1:], ":") {
				return fmt.Errorf("host %q has no port: add one, as in tcp://%s:%d (BuildKit's convention)", s, strings.Trim(rest, "[]"), dockerconf.PortBuildKit)
			}
			h, err := dockerconf.ParseHost(s)
			if err == nil && h.Scheme != dockerconf.SchemeTCP {
				err = fmt.Errorf("host %q is not a tcp:// address: TLS applies only to TCP; write tcp://HOST:%d", s, dockerconf.PortBuildKit)
			}
			return err
		},
	}
	tcpHostValidator = stringCheck{
		summary:     "Invalid Docker host",
		description: "must be tcp://ADDRESS:PORT",
		check: func(s string) error {
			h, err := dockerconf.ParseHost(s)
			if err == nil && h.Scheme != dockerconf.SchemeTCP {
				err = fmt.Errorf("host %q is not a tcp:// address: TLS applies only to TCP; write tcp://HOST:2376", s)
			}
			return err
		},
	}
)

func hostListValidators() []validator.List {
	return []validator.List{
		listvalidator.SizeAtLeast(1),
		listvalidator.ValueStringsAre(hostValidator),
		listenerValidator{},
	}
}

// listenerValidator refuses hosts that dockerd would bind as one listener
// (dockerconf.CheckListeners), naming both.
type listenerValidator struct{}

var _ validator.List = listenerValidator{}

func (listenerValidator) Description(context.Context) string {
	return "must not list two hosts that dockerd binds as one listener"
}

func (v listenerValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (listenerValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	// Unknown elements are "", which CheckListeners skips.
	hosts := stringsOf(req.ConfigValue)
	clashes := dockerconf.CheckListeners(hosts)
	for i := range hosts {
		if err, clash := clashes[i]; clash {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Two hosts are one listener", err.Error()+".")
		}
	}
}
