// Command pulumi-gen-python writes the Python SDK of a package schema, what `pulumi package gen-sdk
// --language python` produces, for language hosts too old to generate it themselves.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen-python SCHEMA.json OUT_DIR")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	check(err)
	var spec schema.PackageSpec
	check(json.Unmarshal(data, &spec))
	// The schema refers to no other package, so the loader is never asked for one.
	loader := schema.NewCachedLoaderWithEntries(nil, map[string]schema.PackageReference{})
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	check(err)
	if diags.HasErrors() {
		check(diags)
	}
	files, err := python.GeneratePackage("dynamo-e2e", pkg, nil, loader)
	check(err)
	for name, content := range files {
		path := filepath.Join(os.Args[2], name)
		check(os.MkdirAll(filepath.Dir(path), 0o755))
		check(os.WriteFile(path, content, 0o644))
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-python:", err)
		os.Exit(1)
	}
}
