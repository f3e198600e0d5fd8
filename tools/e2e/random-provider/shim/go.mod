// The module path sits under terraform-provider-random's prefix so Go lets it import that
// module's internal/provider package. Replaced to this directory by ../go.mod.
module github.com/terraform-providers/terraform-provider-random/shim

go 1.24.7

require (
	github.com/hashicorp/terraform-plugin-framework v1.11.0
	github.com/terraform-providers/terraform-provider-random v1.3.2-0.20240911140632-e546ae44b440 // upstream v3.6.3
)
