/**
 * `pulumi-marin-social/native`: the TypeScript SDK of the native `marin-social` provider plugin
 * (`pulumi-resource-marin-social`). Same inputs and outputs as the dynamic `PublisherToken` of the
 * package root, but type token `marin-social:index:PublisherToken`: served by the plugin, so it
 * can be imported, shows detailed diffs, and stores no provider code in state.
 *
 * Hand-written rather than generated with `pulumi package gen-sdk`: the package has one resource
 * and one function, and a generated SDK is a separate npm package with its own build. The class
 * lists its outputs in {@link PUBLISHER_TOKEN_OUTPUTS}; both, and its args and output types, are generated
 * from the token definition (schemas/publisher-token.yaml), as is the package schema's resource.
 *
 * ```ts
 * import * as native from "pulumi-marin-social/native";
 * new native.PublisherToken("acme", { accountId: "fb-1001", valid: false });
 * ```
 */
import * as pulumi from "@pulumi/pulumi";
import { type PublisherTokenArgs, type PublisherTokenProperties, TOKEN_OUTPUTS } from "../generated/token";
import type { AccountState, GetAccountsArgs, GetAccountsResult } from "../token/accounts";

export type { AccountState, GetAccountsArgs, GetAccountsResult } from "../token/accounts";

/** The resource's type token. */
export const PUBLISHER_TOKEN_TYPE = "marin-social:index:PublisherToken";

/** What a user declares (as the dynamic PublisherTokenArgs); generated from the token definition. */
export type { PublisherTokenArgs } from "../generated/token";

/** The outputs that are not inputs, in schema order. */
export const PUBLISHER_TOKEN_OUTPUTS = TOKEN_OUTPUTS;

/** The token's outputs as properties (generated from the token definition): merged into the class below. */
export interface PublisherToken extends PublisherTokenProperties {}

/**
 * A publisher access token, managed by the native provider. `pulumi up` reaches `valid: false` by
 * invalidating the token and unlinking every agency; `pulumi preview` logs who is cut off.
 * Deleting it changes nothing in Marin Social.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares the outputs, which pulumi.CustomResource assigns at registration
export class PublisherToken extends pulumi.CustomResource {
  /** Looks up an existing token's state by account id (`pulumi import` adopts one into the stack). */
  static get(name: string, accountId: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): PublisherToken {
    return new PublisherToken(name, undefined as unknown as PublisherTokenArgs, { ...opts, id: accountId });
  }

  constructor(name: string, args: PublisherTokenArgs, opts?: pulumi.CustomResourceOptions) {
    const props: pulumi.Inputs = {};
    if (!opts?.id) {
      props.accountId = args.accountId;
      props.valid = args.valid;
      props.publisher = args.publisher;
      props.reason = args.reason;
      props.expectAgencies = args.expectAgencies;
    }
    for (const k of PUBLISHER_TOKEN_OUTPUTS) props[k] = undefined;
    super(PUBLISHER_TOKEN_TYPE, name, props, { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "tokenFingerprint"] });
  }
}

/** Arguments of an explicit provider (otherwise the stack config and environment are used). */
export interface ProviderArgs {
  apiUrl?: pulumi.Input<string>;
  /** Secret. */
  apiKey?: pulumi.Input<string>;
  allowInsecureHttp?: pulumi.Input<boolean>;
}

/** An explicit `marin-social` provider, e.g. for a second API endpoint. */
export class Provider extends pulumi.ProviderResource {
  constructor(name: string, args: ProviderArgs = {}, opts?: pulumi.ResourceOptions) {
    const apiKey = args.apiKey === undefined ? undefined : pulumi.secret(args.apiKey);
    super("marin-social", name, { apiUrl: args.apiUrl, apiKey, allowInsecureHttp: args.allowInsecureHttp }, opts);
  }
}

/** The result of {@link getAccount}: one account's live state, as {@link getAccounts} lists it. */
export type GetAccountResult = AccountState;

/** The live state of one account (`marin-social:index:getAccount`); fails when it does not exist. */
export function getAccount(args: { accountId: string }, opts?: pulumi.InvokeOptions): Promise<GetAccountResult> {
  return pulumi.runtime.invoke("marin-social:index:getAccount", { accountId: args.accountId }, opts);
}

/** {@link getAccount} as an Output, for inputs that are Outputs. */
export function getAccountOutput(args: { accountId: pulumi.Input<string> }, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetAccountResult> {
  return pulumi.runtime.invokeOutput("marin-social:index:getAccount", { accountId: args.accountId }, opts);
}

/**
 * Every account matching the filters (`marin-social:index:getAccounts`), in id order: e.g. every
 * token a person authorized, `getAccounts({ authorizedBy: "jane@agency.example" })`. The
 * provider reads them in pages, never one request per account.
 */
export function getAccounts(args: GetAccountsArgs = {}, opts?: pulumi.InvokeOptions): Promise<GetAccountsResult> {
  return pulumi.runtime.invoke("marin-social:index:getAccounts", { ...args }, opts);
}

/** {@link getAccounts} as an Output, for filters that are Outputs. */
export function getAccountsOutput(
  args: { [K in keyof GetAccountsArgs]?: pulumi.Input<GetAccountsArgs[K]> } = {},
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetAccountsResult> {
  return pulumi.runtime.invokeOutput("marin-social:index:getAccounts", { ...args }, opts);
}
