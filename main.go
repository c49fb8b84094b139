// Command terraform-provider-dockertls serves the dockertls Terraform
// provider over the plugin protocol.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/debug"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/dockertls/terraform-provider-dockertls/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debugMode, showVersion bool
	flag.BoolVar(&debugMode, "debug", false, "run the provider with support for debuggers such as delve")
	flag.BoolVar(&showVersion, "version", false, "print the version and exit")
	flag.Parse()

	if showVersion {
		fmt.Println(version)
		os.Exit(0)
	}

	quietLogsUnlessRequested()
	tuneGC()
	stopProfile := startCPUProfile()
	err := serve(debugMode)
	stopProfile()
	reportRusage()
	if err != nil {
		log.Fatal(err)
	}
}

// tuneGC makes the garbage collector run a quarter as often as by default
// unless GOGC says otherwise. The provider keeps little alive between calls
// (a few MiB), so the default collects every few calls and spends a fifth
// of the CPU of a plan on collection; at 400 the peak RSS of a plan of 1000
// certificates stays under 50 MiB (make bench).
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// serve serves the provider over the plugin protocol until Terraform is
// done with it. It builds the server from provider.NewServer rather than
// calling providerserver.Serve, which would skip NewServer's context
// release (see there).
func serve(debugMode bool) error {
	var opts []tf6server.ServeOpt
	if debugMode {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	server, err := provider.NewServer(version)()
	if err != nil {
		return err
	}
	return tf6server.Serve("registry.terraform.io/dockertls/dockertls", func() tfprotov6.ProviderServer { return server }, opts...)
}
