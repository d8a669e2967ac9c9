/**
 * The provider object handed to `pulumi.dynamic.Resource`. The SDK serializes
 * it into state as `__provider` for every resource, and the engine's
 * dynamic-provider host evaluates that text to run check, diff, create, read
 * and update. So it is a tiny shim: each method requires this package *by
 * name* and delegates. No absolute path, no client, no secret is captured, and
 * refresh and delete run the installed version of the package, not a stale copy.
 *
 * The host's working directory is the Pulumi program's directory; resolving
 * from there finds the package in a consumer's node_modules, and finds this
 * package itself (through its `exports`) when the program lives in this repository.
 *
 * There is no `delete`: deleting a PublisherToken only stops managing it.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";

function load(): dynamic.ResourceProvider {
  return require("node:module").createRequire(`${process.cwd()}/_`)("pulumi-marin-social/dynamic").provider;
}

/** The serializable PublisherToken provider (the public `publisherTokenProvider`). */
export const publisherTokenProvider: dynamic.ResourceProvider = {
  configure: (r) => load().configure!(r),
  check: (o, n) => load().check!(o, n),
  diff: (i, o, n) => load().diff!(i, o, n),
  create: (n) => load().create(n),
  read: (i, p) => load().read!(i, p),
  update: (i, o, n) => load().update!(i, o, n),
};
