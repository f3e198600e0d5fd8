// Package shim exposes terraform-provider-random's Plugin Framework provider, which upstream
// keeps in an internal package, to the bridge program in the parent module.
package shim

import (
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	randomprovider "github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// NewProvider returns the upstream random provider.
func NewProvider() fwprovider.Provider { return randomprovider.New() }
