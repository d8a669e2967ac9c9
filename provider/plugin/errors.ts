/**
 * Errors as gRPC statuses the engine understands.
 *
 * - A partly reconciled token (PartialFailure) carries `ErrorResourceInitFailed` with its id and
 *   properties: the engine records the progress in state and the next `pulumi up` updates it.
 * - Every other failure is reported with a code the engine treats as "the resource is as it was"
 *   (not Unknown/Internal, which would leave a pending operation in state to clear by hand):
 *   each operation of this provider reconciles from live state, so a failed one is simply run
 *   again by the next `pulumi up`, and nothing is done twice.
 */
import * as grpc from "@grpc/grpc-js";
import { ErrorResourceInitFailed } from "@pulumi/pulumi/proto/provider_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { Any } from "google-protobuf/google/protobuf/any_pb";
import { isMarinSocialError } from "../client";
import { displayText } from "../core/display";
import { PartialFailure } from "../token/errors";
import { encode } from "./wire";

/** gRPC codes by client error code; any other error is FAILED_PRECONDITION (nothing changed). */
const CODES: ReadonlyMap<string, grpc.status> = new Map([
  ["unauthorized", grpc.status.UNAUTHENTICATED],
  ["forbidden", grpc.status.PERMISSION_DENIED],
  ["not-found", grpc.status.NOT_FOUND],
  ["conflict", grpc.status.ABORTED],
  ["rate-limited", grpc.status.RESOURCE_EXHAUSTED],
  ["timeout", grpc.status.DEADLINE_EXCEEDED],
  ["server", grpc.status.UNAVAILABLE],
  ["network", grpc.status.UNAVAILABLE],
  ["bad-request", grpc.status.INVALID_ARGUMENT],
]);

/** The gRPC status for an error thrown by a handler. `secrets`: top-level keys to keep secret in recorded properties. */
export function toServiceError(err: unknown, secrets: Iterable<string> = []): Partial<grpc.ServiceError> {
  // The engine prints it: server text in it (names, the API's problem details) is made safe.
  const message = displayText(err instanceof Error ? err.message : String(err));
  if (err instanceof PartialFailure) {
    const detail = new ErrorResourceInitFailed();
    detail.setId(err.id);
    detail.setProperties(encode(err.properties, secrets));
    detail.setReasonsList(err.reasons.map(displayText));
    const any = new Any();
    any.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
    const status = new Status().setCode(grpc.status.UNKNOWN).setMessage(message);
    status.addDetails(any);
    const metadata = new grpc.Metadata();
    metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
    return { code: grpc.status.UNKNOWN, details: message, metadata };
  }
  const code = (isMarinSocialError(err) && CODES.get(err.code)) || grpc.status.FAILED_PRECONDITION;
  return { code, details: message };
}

/** An UNIMPLEMENTED status, for the RPCs this provider does not serve (the engine then falls back). */
export function unimplemented(rpc: string): Partial<grpc.ServiceError> {
  return { code: grpc.status.UNIMPLEMENTED, details: `${rpc} is not implemented by the marin-social provider` };
}
