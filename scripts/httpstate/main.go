// Command httpstate is a Terraform state store for the "http" backend that
// keeps the state in memory, for make bench.
//
// Terraform's local backend rewrites (and fsyncs) the whole state file
// after every resource it creates, so applying N resources costs O(N²)
// in Terraform itself, whatever the provider does. Remote backends (s3,
// gcs, azurerm, http, HCP Terraform) keep the state in memory and persist
// it every 20 seconds. Measuring with this server as well separates the
// provider's cost from the local backend's.
//
// It prints its address on stdout and serves until killed.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr())
	var s store
	srv := &http.Server{Handler: &s, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}

// store holds one state per request path.
type store struct {
	mu     sync.Mutex
	states map[string][]byte
}

func (s *store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.states == nil {
		s.states = map[string][]byte{}
	}
	switch r.Method {
	case http.MethodGet:
		state, ok := s.states[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		_, _ = w.Write(state)
	case http.MethodPost:
		state, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.states[r.URL.Path] = state
	case http.MethodDelete:
		delete(s.states, r.URL.Path)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
