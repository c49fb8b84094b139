// Command terraform-provider-dockertls serves the dockertls Terraform
// provider over the plugin protocol.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/dockertls/terraform-provider-dockertls/internal/pluginprocess"
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

	pluginprocess.QuietLogsUnlessRequested()
	pluginprocess.TuneGC()
	stopProfile := pluginprocess.StartCPUProfile()
	err := serve(debugMode)
	stopProfile()
	pluginprocess.ReportRusage()
	if err != nil {
		log.Fatal(err)
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
