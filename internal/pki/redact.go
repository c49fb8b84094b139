package pki

import (
	"regexp"
	"strings"
)

// RedactedKey replaces what Redact takes out of a message.
const RedactedKey = "[a private key, redacted]"

var (
	// privateKeyPEM matches a PEM private key block, whole or cut short:
	// from its BEGIN line to its END line, or to the end of the text. The
	// words may be joined by + (a URL-encoded PEM).
	privateKeyPEM = regexp.MustCompile(`-----BEGIN[ +][A-Z0-9 +]*PRIVATE[ +]KEY-----(?s:.*?)(-----END[ +][A-Z0-9 +]*PRIVATE[ +]KEY-----|$)`)
	// base64Run matches 40 or more characters of base64: a key's body
	// without its PEM lines, or one line of it.
	base64Run = regexp.MustCompile(`[A-Za-z0-9+/]{40,}={0,2}`)
	// unescapes undo what JSON and URLs do to base64 inside a message.
	unescapes = strings.NewReplacer(`\/`, "/", "%2F", "/", "%2f", "/", "%2B", "+", "%2b", "+", "%3D", "=", "%3d", "=", "%0A", "\n", "%0a", "\n")
)

// Redact returns message with every private key in it replaced by
// RedactedKey: a PEM private key block, whole or cut short, and any run of
// 40 or more base64 characters with a stretch of 20 or more between its
// slashes that mixes upper and lower case letters and digits, as a key's
// body does. Paths (whose elements are short), hexadecimal (serials,
// fingerprints) and SHA256: fingerprints are left as they are. JSON's \/
// and URL escapes of base64 are undone first, in the whole message.
//
// It is the last line of defence for text that quotes an input, such as an
// import ID: a message should not quote a value that can be a key at all.
func Redact(message string) string {
	message = privateKeyPEM.ReplaceAllString(unescapes.Replace(message), RedactedKey)
	out := base64Run.ReplaceAllStringFunc(message, func(run string) string {
		if isHex(run) || !hasRandomStretch(run) {
			return run
		}
		return RedactedKey
	})
	// A fingerprint is not a key: put SHA256:<base64> back.
	for _, fp := range sshFingerprint.FindAllString(message, -1) {
		out = strings.Replace(out, "SHA256:"+RedactedKey, fp, 1)
	}
	return out
}

var sshFingerprint = regexp.MustCompile(`SHA256:[A-Za-z0-9+/]{43}`)

// hasRandomStretch reports whether run, split at its slashes, has an
// element of 20 or more characters that mixes upper and lower case letters
// and digits.
func hasRandomStretch(run string) bool {
	for _, part := range strings.Split(strings.TrimRight(run, "="), "/") {
		if len(part) >= 20 && mixed(part) {
			return true
		}
	}
	return false
}

func isHex(s string) bool {
	return strings.Trim(s, "0123456789abcdefABCDEF") == ""
}

// mixed reports whether s has an upper-case letter, a lower-case letter
// and a digit.
func mixed(s string) bool {
	return strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
		strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(s, "0123456789")
}
