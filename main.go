// Command terraform-provider-dockertls serves the dockertls Terraform
// provider over the plugin protocol.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/dockertls/terraform-provider-dockertls/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug, showVersion bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.BoolVar(&showVersion, "version", false, "print the version and exit")
	flag.Parse()

	if showVersion {
		fmt.Println(version)
		os.Exit(0)
	}

	quietLogsUnlessRequested()
	stopProfile := startCPUProfile()
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/dockertls/dockertls",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	stopProfile()
	reportRusage()
	if err != nil {
		log.Fatal(err)
	}
}
