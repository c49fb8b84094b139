package pki

import (
	"strings"
	"testing"
)

func TestInternationalizedNames(t *testing.T) {
	for in, want := range map[string]string{
		"bücher.example":        `write "xn--bcher-kva.example"`,
		"*.bücher.example.com":  `write "*.xn--bcher-kva.example.com"`,
		"Bücher.example":        `write "xn--bcher-kva.example"`,
		"docker.例え.jp":          `write "docker.xn--r8jz45g.jp"`,
		"bü_cher.example":       "not a valid internationalized domain name",
		"xn--bcher-kva.example": "",
	} {
		err := ValidateDNSName(in)
		if want == "" {
			if err != nil {
				t.Errorf("%q: %v", in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}
