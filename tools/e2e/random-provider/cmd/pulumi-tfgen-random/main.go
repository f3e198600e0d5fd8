// pulumi-tfgen-random writes schema.json and bridge-metadata.json for the random provider:
//
//	pulumi-tfgen-random schema --out cmd/pulumi-resource-random
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	randomprovider "mcp-mesh-e2e/random-provider"
)

func main() { tfgen.Main("random", randomprovider.Provider()) }
