// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider pinned in go.mod.
//
// Upstream's cmd/pulumi-resource-kubernetes embeds schema files generated at release time, which the
// module zip lacks. This main embeds the schema.json and terraform-mapping.json that the module zip does
// contain; ../../toolchain maps them into this directory with `go build -overlay` (they are not checked in).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var pulumiSchema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
