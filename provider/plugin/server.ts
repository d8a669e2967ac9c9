/**
 * The plugin process: a gRPC server for the ResourceProvider service on a free loopback port.
 * The engine starts `pulumi-resource-marin-social <engine address> [flags]` and reads the port
 * from the first line of stdout; nothing else may be written there.
 */
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderService } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { NativeProvider } from "./provider";
import { resourceProviderService } from "./rpc";

/** A running plugin server. */
export interface PluginServer {
  port: number;
  provider: NativeProvider;
  /** Stops serving (in-flight calls finish) and closes the API client. */
  close(): Promise<void>;
}

/** The engine address among the plugin's arguments: the first that is not a flag. */
export function engineAddress(args: readonly string[]): string | undefined {
  return args.find((a) => !a.startsWith("-"));
}

/** Starts the server on 127.0.0.1, port 0 unless given. */
export async function startPluginServer(opts: { engine?: string; env?: NodeJS.ProcessEnv; port?: number } = {}): Promise<PluginServer> {
  const provider = new NativeProvider(opts.env);
  provider.log.connect(opts.engine);
  const server = new grpc.Server({ "grpc.max_receive_message_length": 1 << 30, "grpc.max_send_message_length": 1 << 30 });
  server.addService(ResourceProviderService, resourceProviderService(provider));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    provider,
    async close() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await provider.close();
    },
  };
}
