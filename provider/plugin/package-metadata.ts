/**
 * What the package schema carries for publishing, beside its resources: where the plugin is
 * downloaded from, who publishes it, and each SDK language's package names. `npm run sdk:gen`
 * generates sdk/nodejs, sdk/python, sdk/go and sdk/dotnet from the schema with these (tools/sdkgen).
 */

/** The repository (package.json's `repository`, as a web address). */
export const REPOSITORY = "https://github.com/marin-social/pulumi-marin-social";

/** The npm package of the generated Node.js SDK (sdk/nodejs). */
export const NODEJS_PACKAGE = "@marin-social/pulumi-marin-social";
/** The Python package of the generated Python SDK (sdk/python). */
export const PYTHON_PACKAGE = "pulumi_marin_social";
/** The Go module of the generated Go SDK (sdk/go), and the import path of its package. */
export const GO_MODULE = "github.com/marin-social/pulumi-marin-social/sdk/go";
export const GO_IMPORT = `${GO_MODULE}/marinsocial`;
/** The .NET namespace (and NuGet package id): root namespace `MarinSocial`, the package's namespace `Tokens`. */
export const DOTNET_NAMESPACE = "MarinSocial.Tokens";

/**
 * The schema's publishing members. `pluginDownloadURL` follows the GitHub-releases convention of
 * Pulumi's own providers: `pulumi plugin install` fetches
 * `pulumi-resource-marin-social-v<version>-<os>-<arch>.tar.gz` from the release `v<version>`.
 * Every SDK declares the schema's version (`respectSchemaVersion`), which is package.json's.
 */
export const PUBLISHING = {
  homepage: REPOSITORY,
  repository: REPOSITORY,
  publisher: "Marin Social",
  pluginDownloadURL: "github://api.github.com/marin-social/pulumi-marin-social",
  meta: { supportPack: true },
  language: {
    nodejs: {
      packageName: NODEJS_PACKAGE,
      packageDescription: "Marin Social publisher access tokens (the native marin-social provider).",
      respectSchemaVersion: true,
    },
    python: { packageName: PYTHON_PACKAGE, respectSchemaVersion: true, pyproject: { enabled: true } },
    go: { importBasePath: GO_IMPORT, modulePath: GO_MODULE, respectSchemaVersion: true, generateResourceContainerTypes: true },
    csharp: { rootNamespace: "MarinSocial", namespaces: { "marin-social": "Tokens" }, respectSchemaVersion: true, packageReferences: { Pulumi: "3.*" } },
  },
};
