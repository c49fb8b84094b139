package pki

import (
	"regexp"
	"strings"
)

// RedactedKey replaces what Redact takes out of a message.
const RedactedKey = "[a private key, redacted]"

var (
	// privateKeyPEM matches a PEM private key block, whole or cut short:
	// from its BEGIN line to its END line, or to the end of the text.
	privateKeyPEM = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?s:.*?)(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`)
	// base64Run matches 40 or more characters of base64 (a key's body
	// without its PEM lines, or one line of it), which no message of this
	// provider quotes on purpose.
	base64Run = regexp.MustCompile(`[A-Za-z0-9+/]{40,}={0,2}`)
)

// Redact returns message with every private key in it replaced by
// RedactedKey: a PEM private key block, whole or cut short, and any run of
// 40 or more base64 characters that mixes upper and lower case letters and
// digits, as a key's body does (a path starting with / and a hexadecimal
// fingerprint are left as they are).
//
// It is the last line of defence for text that quotes an input, such as an
// import ID: a message should not quote a value that can be a key at all.
func Redact(message string) string {
	message = privateKeyPEM.ReplaceAllString(message, RedactedKey)
	return base64Run.ReplaceAllStringFunc(message, func(run string) string {
		if strings.HasPrefix(run, "/") || !mixed(run) {
			return run
		}
		return RedactedKey
	})
}

// mixed reports whether s has an upper-case letter, a lower-case letter
// and a digit.
func mixed(s string) bool {
	return strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
		strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(s, "0123456789")
}
