// Command pulumi-language-python is this repository's Python language host for the Pulumi CLI.
//
// The Go module proxy this project can reach refuses every version of Pulumi's own Python host
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3), as it does the Node.js
// one. This host is built on what the served github.com/pulumi/pulumi/sdk/v3 module holds: the
// language RPC server (rpcutil, pulumirpc) and the Python toolchain package (virtual
// environments, pip/poetry/uv), and does what `pulumi install/preview/up/refresh/destroy/about`
// of a Python project need:
//
//   - Run: `python -u -c <exec.py> --monitor ... <program>` in the project's environment
//     (`runtime.options.toolchain` and `virtualenv` of Pulumi.yaml, or `python3` on PATH /
//     PULUMI_PYTHON_CMD), with PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS. Exit code 32 (the
//     runner has reported the error) is a bail; any other non-zero exit is reported with its code.
//   - GetRequiredPackages / GetRequiredPlugins: the `pulumi-plugin.json` files of the packages
//     installed in that environment (what Pulumi's generated Python SDKs ship).
//   - InstallDependencies (creates the virtual environment, installs requirements), About,
//     GetProgramDependencies, Handshake, GetPluginInfo, Cancel.
//   - When the engine goes away without stopping it, the host kills the program it runs and exits.
//
// Everything else (codegen, `pulumi new` prompts, plugins and policy packs written in Python)
// answers Unimplemented. The runner, exec.py, is ours as well (embedded here).
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/marin-social/pulumi-marin-social/tools/pulumi/internal/langhost"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
)

// version is set with -ldflags "-X main.version=..." by scripts/pulumi-install.js.
var version = "0.0.0-dev"

//go:embed exec.py
var execShim string

func main() {
	base := langhost.Start("pulumi-language-python", version, nil)
	langhost.Serve("pulumi-language-python", &pythonHost{Base: base}, base)
}

type pythonHost struct {
	*langhost.Base
}

// pythonToolchain is the Python environment `runtime.options` of Pulumi.yaml name: `toolchain`
// (pip, the default, poetry or uv) and `virtualenv` (relative to the project root).
func pythonToolchain(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	opts := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory()}
	if info.GetOptions() != nil {
		m := info.GetOptions().AsMap()
		if v, ok := m["virtualenv"].(string); ok {
			opts.Virtualenv = v
		}
		switch tc := m["toolchain"]; tc {
		case nil, "pip":
			opts.Toolchain = toolchain.Pip
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		case "uv":
			opts.Toolchain = toolchain.Uv
		default:
			return nil, fmt.Errorf("runtime option toolchain: %v is not one of pip, poetry, uv (Pulumi.yaml)", tc)
		}
	}
	if opts.Root == "" {
		opts.Root = opts.ProgramDir
	}
	return toolchain.ResolveToolchain(opts)
}

func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	tc, err := pythonToolchain(info)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	program := info.GetEntryPoint()
	if program == "" {
		program = "."
	}
	// A folder runs its __main__.py, as upstream's host does.
	program = filepath.Join(info.GetProgramDirectory(), program)

	args := append([]string{"-u", "-c", execShim}, h.RunnerArgs(req)...)
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	configEnv, err := langhost.ConfigEnv(string(config), req.GetConfigSecretKeys())
	if err != nil {
		return nil, err
	}

	// Not CommandContext: a cancelled run gets SIGINT and time to finish, not SIGKILL.
	cmd, err := tc.Command(context.Background(), args...)
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not find python): %v", err)}, nil
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(append(cmd.Env, configEnv...), "PYTHONUNBUFFERED=1")
	cmd.Dir = info.GetProgramDirectory()
	if req.GetPwd() != "" {
		cmd.Dir = req.GetPwd()
	}
	return h.Programs.Run(ctx, cmd, "python"), nil
}

// findPlugins prints, as JSON, the pulumi-plugin.json of every package in the environment's
// site-packages that declares a resource plugin. A glob, not `pip list`: one interpreter start.
const findPlugins = `
import glob, json, os, site, sys
found = []
for d in site.getsitepackages() + [site.getusersitepackages()]:
    for f in sorted(glob.glob(os.path.join(d, "*", "pulumi-plugin.json"))):
        try:
            with open(f) as fh:
                p = json.load(fh)
        except (OSError, ValueError):
            continue
        if isinstance(p, dict) and p.get("resource"):
            found.append(p)
json.dump(found, sys.stdout)
`

type pluginJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Server  string `json:"server"`
}

func requiredPackages(ctx context.Context, info *pulumirpc.ProgramInfo) ([]*pulumirpc.PackageDependency, error) {
	tc, err := pythonToolchain(info)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, "-c", findPlugins)
	if err != nil {
		return nil, err
	}
	cmd.Dir = info.GetProgramDirectory()
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the Pulumi plugins of the Python environment: %w", err)
	}
	var found []pluginJSON
	if err := json.Unmarshal(out, &found); err != nil {
		return nil, fmt.Errorf("listing the Pulumi plugins of the Python environment: %w", err)
	}
	var pkgs []*pulumirpc.PackageDependency
	for _, p := range found {
		v := p.Version
		if v != "" && v[0] != 'v' {
			v = "v" + v
		}
		pkgs = append(pkgs, &pulumirpc.PackageDependency{Name: p.Name, Kind: "resource", Version: v, Server: p.Server})
	}
	return pkgs, nil
}

func (h *pythonHost) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, err := requiredPackages(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

func (h *pythonHost) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	pkgs, err := requiredPackages(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	var plugins []*pulumirpc.PluginDependency
	for _, p := range pkgs {
		plugins = append(plugins, &pulumirpc.PluginDependency{Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// streamWriter sends what is written to it as stdout (or stderr) of an InstallDependencies stream.
type streamWriter struct {
	stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	msg := &pulumirpc.InstallDependenciesResponse{}
	if w.stderr {
		msg.Stderr = append([]byte{}, p...)
	} else {
		msg.Stdout = append([]byte{}, p...)
	}
	if err := w.stream.Send(msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

// InstallDependencies creates the project's virtual environment when missing and installs its
// requirements into it (`pulumi install`).
func (h *pythonHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	tc, err := pythonToolchain(req.GetInfo())
	if err != nil {
		return err
	}
	var stdout, stderr io.Writer = streamWriter{stream: stream}, streamWriter{stream: stream, stderr: true}
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory() //nolint:staticcheck // older engines
	}
	return tc.InstallDependencies(stream.Context(), dir, req.GetUseLanguageVersionTools(), true, stdout, stderr)
}

func (h *pythonHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := pythonToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	about, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: about.PythonExecutable, Version: about.PythonVersion.String()}, nil
}

func (h *pythonHost) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := pythonToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	deps, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	out := make([]*pulumirpc.DependencyInfo, 0, len(deps))
	for _, d := range deps {
		out = append(out, &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: out}, nil
}
