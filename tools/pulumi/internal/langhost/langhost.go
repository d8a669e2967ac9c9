// Package langhost holds what this repository's language hosts (cmd/pulumi-language-nodejs and
// cmd/pulumi-language-python) share: serving the language runtime to the engine, running a
// program to its end, and leaving no program behind when the engine is gone.
package langhost

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Base answers what every host answers the same way; a host embeds it, and the engine's other
// calls it does not implement answer Unimplemented.
type Base struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	// EngineAddress is the engine's address: the first argument, or what Handshake says.
	EngineAddress string
	// Tracing is the --tracing endpoint the engine passed, if any.
	Tracing string
	// Version is the host's version (GetPluginInfo).
	Version string
	// Programs are the programs the host runs.
	Programs Programs
}

// Start parses the flags the engine may pass to every plugin (accepted, and ignored but for
// --tracing), and `extra`'s own; prints the version and exits for --version.
func Start(name, version string, extra func(*flag.FlagSet)) *Base {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	tracing := flags.String("tracing", "", "tracing endpoint")
	flags.Bool("logtostderr", false, "log to stderr (ignored)")
	flags.Bool("logflow", false, "flow logs to children (ignored)")
	flags.Int("v", 0, "log verbosity (ignored)")
	flags.String("root", "", "project root (legacy, ignored)")
	showVersion := flags.Bool("version", false, "print the version and exit")
	if extra != nil {
		extra(flags)
	}
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *showVersion {
		fmt.Println(version)
		os.Exit(0)
	}
	return &Base{EngineAddress: flags.Arg(0), Tracing: *tracing, Version: version}
}

// Handshake takes the engine's address.
func (b *Base) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		b.EngineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// GetPluginInfo answers the host's version.
func (b *Base) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: b.Version}, nil
}

// Cancel interrupts the running programs; the engine calls it when the user cancels.
func (b *Base) Cancel(ctx context.Context, e *emptypb.Empty) (*emptypb.Empty, error) {
	return b.Programs.Cancel(ctx, e)
}

// RunnerArgs are the flags an SDK's runner takes from the engine and the run (@pulumi/pulumi's
// cmd/run, and the Python host's exec.py, which takes the same); the program and its arguments
// go after them.
func (b *Base) RunnerArgs(req *pulumirpc.RunRequest) []string {
	var args []string
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", b.EngineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", fmt.Sprint(req.GetParallel()))
	add("tracing", b.Tracing)
	return args
}

// ExitCodeBail is what the SDKs' runners exit with after they have reported the error themselves.
const ExitCodeBail = 32

// Programs tracks the programs a host runs. The zero value is ready to use.
type Programs struct {
	mu      sync.Mutex
	running map[*exec.Cmd]struct{}
}

// Run starts cmd (configured, not started) with the host's stdout and stderr, waits for it, and
// answers the engine: a cancelled ctx interrupts it (SIGINT, time to finish; not SIGKILL), exit
// code 32 is a bail, anything else non-zero an error with its code. `what` names the runtime in
// "could not run <what>".
func (p *Programs) Run(ctx context.Context, cmd *exec.Cmd, what string) *pulumirpc.RunResponse {
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run %s): %v", what, err)}
	}
	defer p.Track(cmd)()

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var waitErr error
	select {
	case waitErr = <-done:
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGINT)
		waitErr = <-done
	}
	if waitErr == nil {
		return &pulumirpc.RunResponse{}
	}
	var exitErr *exec.ExitError
	if !errors.As(waitErr, &exitErr) {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program: %v", waitErr)}
	}
	if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", status.Signal())}
	}
	if exitErr.ExitCode() == ExitCodeBail {
		return &pulumirpc.RunResponse{Bail: true}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}
}

// Track counts a started cmd among the running programs (interrupted by Cancel, killed once the
// engine is gone) until the returned func is called.
func (p *Programs) Track(cmd *exec.Cmd) (untrack func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running == nil {
		p.running = map[*exec.Cmd]struct{}{}
	}
	p.running[cmd] = struct{}{}
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		delete(p.running, cmd)
	}
}

// Cancel interrupts the running programs; the engine calls it when the user cancels.
func (p *Programs) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	p.signal(syscall.SIGINT)
	return &emptypb.Empty{}, nil
}

func (p *Programs) signal(sig os.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for cmd := range p.running {
		_ = cmd.Process.Signal(sig)
	}
}

// ConfigEnv is the environment a program reads its configuration from: PULUMI_CONFIG (`config`,
// already encoded) and PULUMI_CONFIG_SECRET_KEYS (the secret keys, sorted, as JSON).
func ConfigEnv(config string, secretKeys []string) ([]string, error) {
	keys := append([]string{}, secretKeys...)
	sort.Strings(keys)
	secretJSON, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	return []string{"PULUMI_CONFIG=" + config, "PULUMI_CONFIG_SECRET_KEYS=" + string(secretJSON)}, nil
}

// Serve answers the engine as `name` with host until the server stops: it prints the port on the
// first line of stdout (where the engine reads it), and exits once the engine is gone, killing
// the programs it runs.
func Serve(name string, host pulumirpc.LanguageRuntimeServer, base *Base) {
	programs := &base.Programs
	watchEngine(func() {
		// SIGKILL, not an interrupt: the program's only way out (the engine's resource monitor) is
		// gone, so it has nothing left to finish or record.
		programs.signal(syscall.SIGKILL)
		os.Exit(1)
	})
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: could not start the gRPC server: %v\n", name, err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "%s: gRPC server stopped: %v\n", name, err)
		os.Exit(1)
	}
}

// watchEngine calls gone once the engine that started this process has gone away. An engine
// killed outright (SIGKILL, OOM) cannot stop its plugins, and nothing else tells them.
//
//   - The engine starts every plugin with a pipe on stdin that it never writes to, so end of file
//     on it comes the moment the engine's process ends, however it ended.
//   - Without that pipe (a host started by hand, or under a debugger), a new parent process (the
//     host re-parented when its parent ended) tells the same, checked every second.
func watchEngine(gone func()) {
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeNamedPipe != 0 {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			gone()
		}()
	}
	parent := os.Getppid()
	go func() {
		for range time.Tick(time.Second) {
			if os.Getppid() != parent {
				gone()
				return
			}
		}
	}()
}
