// Package randomprovider maps terraform-provider-random onto the Pulumi package "random" the way
// the official pulumi-random provider does, so the @pulumi/random SDK can drive it: resource
// tokens random:index/<camelName>:<PascalName> with the Terraform attribute names camel-cased by
// the bridge. Built by tools/e2e/random-provider.sh for the end-to-end test only.
package randomprovider

import (
	"context"
	_ "embed"
	"errors"

	pfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/terraform-providers/terraform-provider-random/shim"
)

// Version is the @pulumi/random SDK version this plugin stands in for; the SDK asks the engine
// for a plugin of exactly its own version.
const Version = "4.21.2"

// Written by pulumi-tfgen-random (starts as "{}"), then embedded into pulumi-resource-random.
//
//go:embed cmd/pulumi-resource-random/bridge-metadata.json
var bridgeMetadata []byte

// Provider returns the bridge configuration for the random package.
func Provider() tfbridge.ProviderInfo {
	// e.g. "Password" -> random:index/randomPassword:RandomPassword
	res := func(name string) *tfbridge.ResourceInfo {
		return &tfbridge.ResourceInfo{Tok: tokens.Type("random:index/random" + name + ":Random" + name)}
	}
	resources := map[string]*tfbridge.ResourceInfo{
		"random_bytes":    res("Bytes"),
		"random_id":       res("Id"),
		"random_integer":  res("Integer"),
		"random_password": res("Password"),
		"random_pet":      res("Pet"),
		"random_shuffle":  res("Shuffle"),
		"random_string":   res("String"),
		"random_uuid":     res("Uuid"),
	}
	// random_bytes has no "id" attribute of its own; use its base64 value as the official provider does.
	resources["random_bytes"].ComputeID = bytesID

	return tfbridge.ProviderInfo{
		P:                           pfbridge.ShimProvider(shim.NewProvider()),
		Name:                        "random",
		Version:                     Version,
		Description:                 "A Pulumi package to safely use randomness in Pulumi programs.",
		Keywords:                    []string{"pulumi", "random"},
		License:                     "Apache-2.0",
		Homepage:                    "https://pulumi.io",
		Repository:                  "https://github.com/pulumi/pulumi-random",
		MetadataInfo:                tfbridge.NewProviderMetadata(bridgeMetadata),
		Resources:                   resources,
		JavaScript:                  &tfbridge.JavaScriptInfo{RespectSchemaVersion: true},
		EnableAccurateBridgePreview: true,
		EnableRawStateDelta:         true,
	}
}

func bytesID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	v, ok := state["base64"]
	if !ok {
		return "", errors.New("random_bytes: no base64 property in state")
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return "", errors.New("random_bytes: base64 property is not a string")
	}
	return resource.ID(v.StringValue()), nil
}
