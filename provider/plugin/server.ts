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
  /** Stops serving (in-flight calls finish) and closes the API client. */
  close(): Promise<void>;
}

export { engineAddress } from "../engine/engine-log";

/** Starts the server on a free port of 127.0.0.1; `engine`: the engine's address, for its Log service. */
export async function startPluginServer(engine?: string): Promise<PluginServer> {
  const provider = new NativeProvider();
  provider.log.connect(engine);
  const server = new grpc.Server({ "grpc.max_receive_message_length": 1 << 30, "grpc.max_send_message_length": 1 << 30 });
  server.addService(ResourceProviderService, resourceProviderService(provider));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await provider.close();
    },
  };
}
