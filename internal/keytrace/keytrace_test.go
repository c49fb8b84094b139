package keytrace

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func keys(t *testing.T) map[string]string {
	t.Helper()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	r, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	out := map[string]string{}
	for name, k := range map[string]any{"ecdsa": ec, "rsa": r, "ed25519": ed} {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		out["pkcs8 "+name] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	sec1, _ := x509.MarshalECPrivateKey(ec)
	out["sec1"] = string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}))
	out["pkcs1"] = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(r)}))
	return out
}

// TestFindsEveryForm: the key is found in each form it can leave in, and
// another key of the same kind (same header) is not.
func TestFindsEveryForm(t *testing.T) {
	for name, keyPEM := range keys(t) {
		k := MustNew(name, keyPEM)
		jsonPEM, _ := json.Marshal(map[string]string{"k": keyPEM})
		block, _ := pem.Decode([]byte(keyPEM))
		lines := strings.Split(strings.TrimSpace(keyPEM), "\n")
		forms := map[string]string{
			"PEM":                       keyPEM,
			"PEM in JSON":               string(jsonPEM),
			"base64 of the file":        "content: " + base64.StdEncoding.EncodeToString([]byte(keyPEM)),
			"data URL":                  "data:," + url.PathEscape(keyPEM),
			"base64 data URL":           "data:;base64," + base64.StdEncoding.EncodeToString([]byte(keyPEM)),
			"the body alone, one line":  strings.Join(lines[1:len(lines)-1], ""),
			"hex":                       "x " + hex.EncodeToString(k.secret),
			"DER in base64":             base64.StdEncoding.EncodeToString(block.Bytes),
			"JSON with escaped slashes": strings.ReplaceAll(string(jsonPEM), "/", `\/`),
		}
		// Each body line that holds 12 or more bytes of the secret, alone.
		at := bytes.Index(block.Bytes, k.secret)
		first, last := (at+2)/3*4, (at+len(k.secret))/3*4
		for i, line := range lines[1 : len(lines)-1] {
			if min(last, (i+1)*64)-max(first, i*64) >= 16 {
				forms[fmt.Sprintf("body line %d alone", i+1)] = line
			}
		}
		for form, text := range forms {
			if !k.In("prefix " + text + " suffix") {
				t.Errorf("%s: not found in %s", name, form)
			}
		}
	}
	// A header is not a trace: two keys of one kind share it.
	a, b := keys(t), keys(t)
	for name := range a {
		if MustNew(name, a[name]).In(b[name]) {
			t.Errorf("%s: found in another key of the same kind", name)
		}
	}
}
