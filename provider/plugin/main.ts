/**
 * `pulumi-resource-marin-social`: the native provider plugin's entry point (bin/ runs it with
 * the installed Node). Prints the port for the engine, then serves until the engine stops it.
 */
import { engineAddress, startPluginServer } from "./server";

/** Runs the plugin with the engine's arguments. */
export async function main(args: readonly string[]): Promise<void> {
  const server = await startPluginServer({ engine: engineAddress(args) });
  process.stdout.write(`${server.port}\n`);
  const stop = () => {
    void server.close().finally(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
