package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// RunPlugin runs a policy pack (kind "analyzer"), as Pulumi's own host does: the SDK's
// `@pulumi/pulumi/cmd/run-policy-pack <engine address> <pack dir>`, resolved from the pack's
// directory and run in it. The SDK's runner predates the engine's ConfigureStack call, so the
// SDK's PolicyProxy answers the engine first, takes the stack's configuration, starts the pack
// with it in the environment (PULUMI_CONFIG, PULUMI_NODEJS_PROJECT/STACK/ORGANIZATION/DRY_RUN)
// and then forwards every analyzer call to it. Other plugin kinds (Node.js resource providers,
// tools) stay Unimplemented: this project ships none.
func (h *nodeHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetKind() != "analyzer" {
		return fmt.Errorf("pulumi-language-nodejs (marin-social) runs only policy packs, not %q plugins", req.GetKind())
	}
	ctx := server.Context()
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	runPath, err := h.resolveModule(dir, "@pulumi/pulumi/cmd/run-policy-pack")
	if err != nil {
		return fmt.Errorf("cannot resolve @pulumi/pulumi/cmd/run-policy-pack from the policy pack %s: install its dependencies (npm install)", dir)
	}
	opts := optionsOf(info)
	if info.GetOptions() == nil || info.GetOptions().AsMap()["typescript"] == nil {
		opts.typescript = true // PulumiPolicy.yaml's default, as for programs
	}
	env := append(os.Environ(), req.GetEnv()...)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	args = append(args, req.GetArgs()...) // the engine's address
	args = append(args, dir)

	proxy, stdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("could not start the policy pack proxy: %w", err)
	}
	config, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("could not get the stack configuration for the policy pack: %w", err)
	}
	if config != nil {
		set := func(k, v string) {
			if v != "" {
				env = append(env, k+"="+v)
			}
		}
		set("PULUMI_NODEJS_ORGANIZATION", config.GetOrganization())
		set("PULUMI_NODEJS_PROJECT", config.GetProject())
		set("PULUMI_NODEJS_STACK", config.GetStack())
		set("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(config.GetDryRun()))
		if config.GetConfig() != nil {
			b, err := json.Marshal(config.GetConfig())
			if err != nil {
				return fmt.Errorf("could not marshal the stack configuration: %w", err)
			}
			set("PULUMI_CONFIG", string(b))
		}
	}

	cmd := exec.CommandContext(ctx, h.nodeBin, args...)
	cmd.Dir = dir // packs have always run in their own directory
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		proxy.Abort(err)
		return fmt.Errorf("could not run the policy pack (node): %w", err)
	}
	defer h.Programs.Track(cmd)()
	if err := proxy.Attach(ctx, cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
				return fmt.Errorf("policy pack exited unexpectedly: %v", status.Signal())
			}
			return fmt.Errorf("policy pack exited with non-zero exit code: %d", exitErr.ExitCode())
		}
		return err
	}
	return closer.Close()
}
