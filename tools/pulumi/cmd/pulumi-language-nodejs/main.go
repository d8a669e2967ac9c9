// Command pulumi-language-nodejs is this repository's Node.js language host for the Pulumi CLI.
//
// Pulumi's own host (module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
// is published only as untagged pseudo-versions, and the Go module proxy this project can reach
// refuses every version of it. The CLI (pkg/v3) and the YAML host (pulumi-yaml) are built from
// their real modules; this host stands in for the Node.js one, and does only what a `pulumi
// preview/up/refresh/destroy` of an installed Node.js project needs:
//
//   - Run: starts the SDK's runner, `node [nodeargs] <@pulumi/pulumi/cmd/run> --monitor ...
//     <entry point>`, resolved from the program directory, with the host's environment
//     (PULUMI_CONFIG with keys spelled `ns:config:key`, PULUMI_CONFIG_SECRET_KEYS,
//     PULUMI_NODEJS_TYPESCRIPT / PULUMI_NODEJS_TSCONFIG_PATH from the project's runtime options).
//     Exit code 32 (the SDK's "error already reported") is a bail; any other non-zero exit is
//     "Program exited with non-zero exit code: N".
//   - GetRequiredPackages / GetRequiredPlugins: resource plugins named by packages in
//     node_modules whose package.json has `"pulumi": {"resource": true}`.
//   - Handshake, GetPluginInfo, Cancel, and a no-op InstallDependencies (npm ci installs them).
//   - When the engine goes away without stopping it (killed outright), the host kills the
//     program it runs and exits (internal/langhost).
//   - RunPlugin for policy packs (kind analyzer, `pulumi preview/up --policy-pack`; policy.go).
//
// Everything else (codegen, `pulumi new` prompts, plugins written in Node.js)
// answers Unimplemented.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/marin-social/pulumi-marin-social/tools/pulumi/internal/langhost"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is set with -ldflags "-X main.version=..." by scripts/pulumi-install.js.
var version = "0.0.0-dev"

func main() {
	base := langhost.Start("pulumi-language-nodejs", version, func(flags *flag.FlagSet) {
		flags.Bool("typescript", true, "legacy, ignored: the project's runtime options decide")
	})
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs: could not find node on the $PATH")
		os.Exit(1)
	}
	langhost.Serve("pulumi-language-nodejs", &nodeHost{Base: base, nodeBin: nodeBin}, base)
}

type nodeHost struct {
	*langhost.Base
	nodeBin string
}

// runtimeOptions are the `runtime.options` of Pulumi.yaml that matter here.
type runtimeOptions struct {
	typescript bool
	tsconfig   string
	nodeargs   []string
}

func optionsOf(info *pulumirpc.ProgramInfo) runtimeOptions {
	o := runtimeOptions{typescript: true}
	if info == nil || info.GetOptions() == nil {
		return o
	}
	m := info.GetOptions().AsMap()
	if v, ok := m["typescript"].(bool); ok {
		o.typescript = v
	}
	if v, ok := m["tsconfig"].(string); ok {
		o.tsconfig = v
	}
	if v, ok := m["nodeargs"].(string); ok {
		o.nodeargs = strings.Fields(v)
	}
	return o
}

// resolveModule resolves a module request the way Node does from dir.
func (h *nodeHost) resolveModule(dir, request string) (string, error) {
	cmd := exec.Command(h.nodeBin, "-e", "process.stdout.write(require.resolve(process.argv[1]))", request)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// legacyConfig spells keys `ns:config:key`, as Pulumi's host does for older SDKs (the SDK accepts both).
func legacyConfig(config map[string]string) (string, error) {
	out := make(map[string]string, len(config))
	for k, v := range config {
		ns, name, ok := strings.Cut(k, ":")
		if !ok {
			return "", fmt.Errorf("config key %q is not namespace:key", k)
		}
		if strings.HasPrefix(name, "config:") {
			out[k] = v
			continue
		}
		out[ns+":config:"+name] = v
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram() //nolint:staticcheck // older engines
	}
	if entry == "" {
		entry = "."
	}
	opts := optionsOf(info)

	runRequest := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runRequest == "" {
		runRequest = "@pulumi/pulumi/cmd/run"
	}
	runPath, err := h.resolveModule(programDir, runRequest)
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf(
			"It looks like the Pulumi SDK has not been installed in %s (cannot resolve %s). Have you run npm install?",
			programDir, runRequest)}, nil
	}

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	args = append(args, h.RunnerArgs(req)...)
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	config, err := legacyConfig(req.GetConfig())
	if err != nil {
		return nil, err
	}
	configEnv, err := langhost.ConfigEnv(config, req.GetConfigSecretKeys())
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), configEnv...)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	cmd := exec.Command(h.nodeBin, args...)
	cmd.Dir = programDir
	if req.GetPwd() != "" {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = env
	return h.Programs.Run(ctx, cmd, "node"), nil
}

type packageJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

// resourcePlugins lists the resource plugins declared by the packages in dir/node_modules
// (top level and one scope deep, which is where npm puts a project's direct dependencies).
func resourcePlugins(dir string) []*pulumirpc.PluginDependency {
	var plugins []*pulumirpc.PluginDependency
	modules := filepath.Join(dir, "node_modules")
	var pkgDirs []string
	entries, _ := os.ReadDir(modules)
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if strings.HasPrefix(name, "@") {
			scoped, _ := os.ReadDir(filepath.Join(modules, name))
			for _, s := range scoped {
				pkgDirs = append(pkgDirs, filepath.Join(modules, name, s.Name()))
			}
			continue
		}
		pkgDirs = append(pkgDirs, filepath.Join(modules, name))
	}
	for _, p := range pkgDirs {
		f, err := os.Open(filepath.Join(p, "package.json"))
		if err != nil {
			continue
		}
		var pkg packageJSON
		b, err := io.ReadAll(io.LimitReader(f, 1<<20))
		_ = f.Close()
		if err != nil || json.Unmarshal(b, &pkg) != nil || !pkg.Pulumi.Resource {
			continue
		}
		name := pkg.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(strings.TrimPrefix(pkg.Name, "@pulumi/"), "@")
		}
		v := pkg.Pulumi.Version
		if v == "" {
			v = pkg.Version
		}
		if v != "" && !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		plugins = append(plugins, &pulumirpc.PluginDependency{Name: name, Kind: "resource", Version: v, Server: pkg.Pulumi.Server})
	}
	return plugins
}

func (h *nodeHost) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetProgram() //nolint:staticcheck // older engines
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: resourcePlugins(dir)}, nil
}

func (h *nodeHost) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	var pkgs []*pulumirpc.PackageDependency
	for _, p := range resourcePlugins(req.GetInfo().GetProgramDirectory()) {
		pkgs = append(pkgs, &pulumirpc.PackageDependency{Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

// InstallDependencies does nothing: `npm ci` installs a project's dependencies here.
func (h *nodeHost) InstallDependencies(_ *pulumirpc.InstallDependenciesRequest, stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	return stream.Send(&pulumirpc.InstallDependenciesResponse{
		Stdout: []byte("pulumi-language-nodejs (marin-social): run `npm ci` to install dependencies\n"),
	})
}
