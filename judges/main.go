// Command judge reads a rendered file with the parser of the program that
// reads it on a host, and prints what that program understood as JSON, or
// its refusal on standard error with exit status 1:
//
//	judge buildkitd FILE   buildkitd.toml, by buildkitd's configuration loader
//	judge registry FILE    config.yml, by the registry's configuration.Parse
//	judge testcontainers IMAGE WORD
//	                       a container started by testcontainers-go as the
//	                       user's configuration tells it, which echoes WORD
//
// It is a module of its own, so that the consumers' modules (BuildKit,
// distribution, testcontainers-go) never enter the provider's dependency graph: the tests
// build it with go build and run it on what the provider renders.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/distribution/distribution/v3/configuration"
	bkconfig "github.com/moby/buildkit/cmd/buildkitd/config"
)

func main() {
	if len(os.Args) < 3 || (os.Args[1] == "testcontainers") != (len(os.Args) == 4) {
		fmt.Fprintln(os.Stderr, "usage: judge buildkitd|registry FILE, or judge testcontainers IMAGE WORD")
		os.Exit(2)
	}
	var (
		understood any
		err        error
	)
	switch os.Args[1] {
	case "buildkitd":
		understood, err = buildkitd(os.Args[2])
	case "registry":
		understood, err = registry(os.Args[2])
	case "testcontainers":
		understood, err = testcontainersRun(os.Args[2], os.Args[3])
	default:
		err = fmt.Errorf("unknown program %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, _ := json.Marshal(understood)
	fmt.Println(string(out))
}

// buildkitd loads file as buildkitd does at start-up (config.LoadFile).
func buildkitd(file string) (any, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, err // LoadFile takes a missing file for an empty one
	}
	c, err := bkconfig.LoadFile(file)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// registry parses file as the registry does at start-up.
func registry(file string) (any, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := configuration.Parse(f)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"version": c.Version, "storage_type": c.Storage.Type(), "storage": c.Storage,
		"http": map[string]any{"addr": c.HTTP.Addr, "net": c.HTTP.Net, "secret": c.HTTP.Secret, "relativeurls": c.HTTP.RelativeURLs,
			"tls": map[string]any{"certificate": c.HTTP.TLS.Certificate, "key": c.HTTP.TLS.Key, "clientcas": c.HTTP.TLS.ClientCAs, "minimumtls": c.HTTP.TLS.MinimumTLS}},
	}, nil
}
