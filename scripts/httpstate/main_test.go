package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStore walks a state through what Terraform's http backend does:
// read (nothing yet), write, read back, and a benchmark's reset.
func TestStore(t *testing.T) {
	srv := httptest.NewServer(&store{})
	defer srv.Close()
	do := func(method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	steps := []struct {
		method, path, body string
		code               int
		want               string
	}{
		{http.MethodGet, "/a", "", http.StatusNoContent, ""},
		{http.MethodPost, "/a", `{"serial":1}`, http.StatusOK, ""},
		{http.MethodGet, "/a", "", http.StatusOK, `{"serial":1}`},
		{http.MethodGet, "/b", "", http.StatusNoContent, ""},
		{http.MethodDelete, "/a", "", http.StatusOK, ""},
		{http.MethodGet, "/a", "", http.StatusNoContent, ""},
		{http.MethodPut, "/a", "", http.StatusMethodNotAllowed, "method not allowed\n"},
	}
	for _, s := range steps {
		if code, body := do(s.method, s.path, s.body); code != s.code || body != s.want {
			t.Errorf("%s %s = %d %q, want %d %q", s.method, s.path, code, body, s.code, s.want)
		}
	}
}
