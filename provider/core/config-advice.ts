/** What both paths say about configuration that leaks a secret. Pure. */

/** The command that stores the API key encrypted. */
export const SECRET_API_KEY_COMMAND = "pulumi config set --secret marin-social:apiKey";

/**
 * The warning for an API key set as plain config (without `--secret`): where Pulumi then keeps
 * it in plaintext, and the fix.
 */
export function plaintextApiKeyWarning(stack?: string): string {
  const file = stack ? `Pulumi.${stack}.yaml` : "the stack's config file";
  return (
    `marin-social:apiKey is set as plain config, not as a secret: Pulumi keeps it in plaintext in ${file}, ` +
    "in the stack's update history (`pulumi stack history --json`) and, for the dynamic provider, in the checkpoint and its backups. " +
    `Store it encrypted with \`${SECRET_API_KEY_COMMAND} <key>\` (or set MARIN_SOCIAL_API_KEY in the environment instead), and rotate the key if that history is shared.`
  );
}
