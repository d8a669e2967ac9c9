/**
 * Diagnostics through the engine's host `Log` service, against a resource's URN: how the audit
 * lines of a YAML stack reach `pulumi preview` (the native plugin), and how a refresh on the
 * dynamic path names who re-authorized a token (the SDK's dynamic-provider host has no logger of
 * its own). The engine passes its address as a plugin's first argument (and, to the native
 * plugin, again in Handshake and Attach).
 *
 * In engine/, not token/: the token domain knows no Pulumi SDK, and one adapter imports no other,
 * so what the dynamic and the native path both say to the engine lives beside them.
 */
import * as grpc from "@grpc/grpc-js";
import { EngineClient } from "@pulumi/pulumi/proto/engine_grpc_pb";
import { LogRequest, LogSeverity } from "@pulumi/pulumi/proto/engine_pb";
import { displayText } from "../core/display";

/**
 * The engine's address among a plugin's arguments: the last one. The engine puts its logging
 * and tracing flags first (`--logtostderr -v=9 --tracing <endpoint> <engine address>`).
 */
export function engineAddress(args: readonly string[]): string | undefined {
  const last = args[args.length - 1];
  return last !== undefined && !last.startsWith("-") && args[args.length - 2] !== "--tracing" ? last : undefined;
}

/** Severities as the core's audit lines name them. */
export type Severity = "info" | "warn" | "error";

const SEVERITY: Record<Severity, LogSeverity> = { info: LogSeverity.INFO, warn: LogSeverity.WARNING, error: LogSeverity.ERROR };

/** Logs to the engine; without an engine address (a test calling the plugin directly) it drops lines. */
export class EngineLog {
  private client: EngineClient | undefined;
  /** The engine's address (host:port) last connected to: Construct points the SDK's runtime at it. */
  address: string | undefined;

  /** Connects to the engine at `address` (host:port); replaces an earlier connection. */
  connect(address: string | undefined): void {
    if (!address || this.client?.getChannel().getTarget() === `dns:${address}`) return;
    this.address = address;
    this.client?.close();
    this.client = new EngineClient(address, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 1 << 24,
    });
  }

  /**
   * Sends one line against `urn`, made safe to display (it carries server text: names, reasons).
   * Resolves once the engine has it; a failure to log never fails the caller.
   */
  log(urn: string, severity: Severity, message: string): Promise<void> {
    const client = this.client;
    if (!client) return Promise.resolve();
    const req = new LogRequest().setSeverity(SEVERITY[severity]).setMessage(displayText(message)).setUrn(urn);
    return new Promise((resolve) => client.log(req, () => resolve()));
  }

  /** Closes the connection. */
  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}
