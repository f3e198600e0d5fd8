// pulumi-resource-random is the Pulumi resource provider plugin for the random package.
package main

import (
	"context"
	_ "embed"

	pfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	randomprovider "mcp-mesh-e2e/random-provider"
)

// Written by pulumi-tfgen-random.
//
//go:embed schema.json
var schema []byte

func main() {
	pfbridge.Main(context.Background(), "random", randomprovider.Provider(),
		pfbridge.ProviderMetadata{PackageSchema: schema})
}
