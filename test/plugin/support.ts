/**
 * The native plugin as the engine sees it: `bin/pulumi-resource-marin-social` started as a child
 * process with an engine address, answered over gRPC with the generated ResourceProviderClient.
 * The test serves the engine's host `Log` service itself and records what the plugin logs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { EngineService } from "@pulumi/pulumi/proto/engine_grpc_pb";
import type { LogRequest } from "@pulumi/pulumi/proto/engine_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

export const ROOT = path.resolve(__dirname, "..", "..");
export const PLUGIN = path.join(ROOT, "bin", "pulumi-resource-marin-social");
export const TYPE = "marin-social:index:PublisherToken";
export const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The URN the engine gives resource `name` of stack `dev` in project `offboarding`. */
export function urn(name: string, type = TYPE): string {
  return `urn:pulumi:dev::offboarding::${type}::${name}`;
}

/** A secret value as the engine sends it. */
export function secret(value: unknown): object {
  return { ...SECRET, value };
}

/** One line the plugin logged through the engine. */
export interface Logged {
  severity: number;
  message: string;
  urn: string;
}

/** The plugin process, a client for it, and the engine's log as received. */
export interface Plugin {
  /** The plugin process's id. */
  pid: number;
  client: ResourceProviderClient;
  logs: Logged[];
  /** Everything the plugin wrote to stdout and stderr. */
  output(): string;
  /** Calls an RPC and resolves with its response (rejects with the gRPC error). */
  call<Res>(method: string, req: unknown): Promise<Res>;
  /** Configure with these provider inputs (the engine's `args`). */
  configure(args: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** Starts an engine Log server, then the plugin (`plugin`: its launcher) with its address; `env` replaces the plugin's environment. */
export async function startPlugin(env: NodeJS.ProcessEnv = {}, plugin = PLUGIN): Promise<Plugin> {
  const logs: Logged[] = [];
  const engine = new grpc.Server();
  engine.addService(EngineService, {
    log(call: grpc.ServerUnaryCall<LogRequest, Empty>, cb: grpc.sendUnaryData<Empty>) {
      const r = call.request;
      logs.push({ severity: r.getSeverity(), message: r.getMessage(), urn: r.getUrn() });
      cb(null, new Empty());
    },
  });
  const enginePort = await new Promise<number>((res, rej) =>
    engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  const child: ChildProcess = spawn(process.execPath, [plugin, `127.0.0.1:${enginePort}`], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr!.on("data", (d) => (out += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    let first = "";
    const onData = (d: Buffer) => {
      out += String(d);
      first += String(d);
      const nl = first.indexOf("\n");
      if (nl >= 0) {
        child.stdout!.off("data", onData);
        child.stdout!.on("data", (more) => (out += String(more)));
        resolve(Number(first.slice(0, nl)));
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the plugin exited with ${code} before printing its port:\n${out}`)));
  });
  const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = <Res>(method: string, req: unknown) =>
    new Promise<Res>((resolve, reject) => {
      (client as unknown as Record<string, (r: unknown, cb: (e: grpc.ServiceError | null, r: Res) => void) => void>)[method]!.call(client, req, (e, r) =>
        e ? reject(e) : resolve(r),
      );
    });
  return {
    pid: child.pid!,
    client,
    logs,
    output: () => out,
    call,
    async configure(args) {
      await call("configure", new pb.ConfigureRequest().setArgs(Struct.fromJavaScript(args as never)).setAcceptsecrets(true));
    },
    async close() {
      client.close();
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      await new Promise<void>((r) => engine.tryShutdown(() => r()));
    },
  };
}

/** A Struct from plain values (secrets and unknowns written as the engine writes them). */
export function struct(values: Record<string, unknown>): Struct {
  return Struct.fromJavaScript(values as never);
}

/** Check `news` (and `olds`) for resource `name`. */
export function checkRequest(name: string, news: Record<string, unknown>, olds: Record<string, unknown> = {}): pb.CheckRequest {
  return new pb.CheckRequest().setUrn(urn(name)).setType(TYPE).setName(name).setOlds(struct(olds)).setNews(struct(news));
}
