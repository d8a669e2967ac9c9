// Command sdkgen writes the SDKs of the marin-social package from its Pulumi package schema, by
// the same calls `pulumi package gen-sdk` reaches through a language host: schema.BindSpec, then
// each language's GeneratePackage. Calling them here needs no language host (ours for Node.js
// does not implement GeneratePackage) and no plugin (the schema is read from a file).
//
//	sdkgen <schema.json> <out dir> <language>...
//
// writes <out dir>/<language>/... for each of nodejs, python, go, dotnet. Exit 1 names what failed.
//
// pkg/v3 has no .NET codegen (it moved to pulumi-dotnet's language host, a module the Go module
// proxy does not serve), so ./dotnet is that package's code, copied unchanged from
// github.com/pulumi/pulumi-dotnet (pulumi-language-dotnet/codegen, Apache-2.0; see dotnet/VENDORED).
package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"
	"github.com/marin-social/pulumi-marin-social/tools/sdkgen/dotnet"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// tool is what the generated files' headers name as their writer.
const tool = "marin-social sdkgen (pulumi codegen v3.274.1)"

// logo is the .NET package's icon. The .NET codegen downloads the schema's logoUrl (or Pulumi's
// logo from GitHub) while it generates; sdkgen serves this file instead and refuses every other
// request, so generation is offline and gives the same bytes every time.
//
//go:embed logo.png
var logo []byte

type offline struct{}

func (offline) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "sdkgen" {
		return nil, fmt.Errorf("sdkgen generates offline; the codegen asked for %s", req.URL)
	}
	return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(logo)), Request: req}, nil
}

// noLoader refuses every package reference: the marin-social schema refers to no other package,
// so a reference is a mistake in the schema, better reported than resolved by starting plugins.
type noLoader struct{}

func (noLoader) refuse(name string) error {
	return fmt.Errorf("the schema refers to package %q; sdkgen resolves no other package", name)
}
func (l noLoader) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, l.refuse(pkg)
}
func (l noLoader) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, l.refuse(d.Name)
}
func (l noLoader) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, l.refuse(pkg)
}
func (l noLoader) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, l.refuse(d.Name)
}

func generate(spec schema.PackageSpec, language string) (map[string][]byte, error) {
	// Bound afresh per language: GeneratePackage records its language's info on the package.
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("the schema does not bind: %s", diags.Error())
	}
	switch language {
	case "nodejs":
		return nodejs.GeneratePackage(tool, pkg, nil, nil, false, noLoader{})
	case "python":
		return python.GeneratePackage(tool, pkg, nil, noLoader{})
	case "go":
		return gogen.GeneratePackage(tool, pkg, nil)
	case "dotnet":
		pkg.LogoURL = "sdkgen:///logo.png"
		return dotnet.GeneratePackage(tool, pkg, nil, nil)
	}
	return nil, fmt.Errorf("unknown language %q (nodejs, python, go, dotnet)", language)
}

func run(args []string) error {
	if len(args) < 3 {
		return fmt.Errorf("usage: sdkgen <schema.json> <out dir> <language>...")
	}
	raw, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	for _, language := range args[2:] {
		files, err := generate(spec, language)
		if err != nil {
			return fmt.Errorf("%s: %w", language, err)
		}
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			p := filepath.Join(args[1], language, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, files[name], 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func main() {
	http.DefaultTransport = offline{}
	http.DefaultClient.Transport = offline{}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen: %v\n", err)
		os.Exit(1)
	}
}
