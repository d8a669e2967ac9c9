# The program runner of this repository's Python language host (main.go embeds it and runs it
# with `python -u -c`): configures the Pulumi SDK for the engine, then runs the program as
# __main__. Exit code 32 tells the host the error has been reported already.
import argparse
import asyncio
import logging
import os
import runpy
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

try:
    import pulumi
    import pulumi.runtime
except ImportError:
    print(traceback.format_exc(), file=sys.stderr)
    print(
        "The Pulumi SDK is not installed in this Python environment. Run `pulumi install`, or\n"
        "`python -m pip install -r requirements.txt` in the virtual environment Pulumi.yaml names.",
        file=sys.stderr,
    )
    sys.exit(1)

BAIL = 32

ap = argparse.ArgumentParser(prog="pulumi-language-python-exec")
# The flags @pulumi/pulumi's runner takes, as the host passes them to both (langhost.RunnerArgs).
for flag in ("monitor", "engine", "project", "stack", "organization", "root-directory", "pwd", "parallel", "tracing"):
    ap.add_argument("--" + flag)
ap.add_argument("--dry-run", action="store_true")
ap.add_argument("program")
ap.add_argument("args", nargs="*")
args = ap.parse_args()

pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
parallel = int(args.parallel or 0)
pulumi.runtime.configure(
    pulumi.runtime.Settings(
        monitor=args.monitor,
        engine=args.engine,
        project=args.project,
        stack=args.stack,
        parallel=parallel,
        dry_run=args.dry_run,
        organization=args.organization,
        root_directory=args.root_directory,
    )
)
sys.argv = [args.program, *args.args]
if args.pwd:
    os.chdir(args.pwd)

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
# The SDK's calls to the engine run on the loop's default executor: size it to --parallel.
executor = ThreadPoolExecutor(max_workers=max(parallel, 1) * 4)
loop.set_default_executor(executor)
# Futures left unobserved when a program fails are expected; asyncio would log each one.
logging.getLogger("asyncio").setLevel(logging.CRITICAL)

code = 1
try:
    loop.run_until_complete(pulumi.runtime.run_in_stack(lambda: runpy.run_path(args.program, run_name="__main__")))
    code = 0
except pulumi.RunError as e:
    pulumi.log.error(str(e))
    code = BAIL
except Exception:
    pulumi.log.error("Program failed with an unhandled exception:\n" + traceback.format_exc())
    code = BAIL
finally:
    executor.shutdown(wait=True)
    loop.close()
    sys.stdout.flush()
    sys.stderr.flush()
sys.exit(code)
