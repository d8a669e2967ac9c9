/**
 * The supported size of one stack, per path, and what to do above it. One place for the figures:
 * the stack program's loader, `marin-social validate` and the native plugin all warn from here.
 */

/** How a stack declares its tokens: declaration files (the dynamic path) or resources of the native plugin. */
export type DeclaredAs = "declaration files" | "resources";

/**
 * Most tokens one stack is supported with, per path: the largest size at which the bench
 * (docs/performance.md#stack-size, 2 cores, PULUMI_SKIP_CHECKPOINTS) found every operation
 * growing linearly. The dynamic path at 5,000: preview 100 s, up 188 s, program 1.8 GB; at 20,000
 * its preview took 959 s (10,000: 199 s) with the program at 5.7 GB, so it stays at 5,000. The
 * native path at 20,000: preview 208 s, up 467 s (1.19 × its request floor), refresh 145 s, twice
 * its 10,000 figures. Above them nothing is refused.
 */
export const SUPPORTED_STACK_TOKENS: Readonly<Record<DeclaredAs, number>> = { "declaration files": 5_000, resources: 20_000 };

/**
 * The warning for a stack that declares `count` tokens, or undefined at or below the supported
 * size of its path. `how` says how this path's tokens are declared, for the advice.
 */
export function stackSizeWarning(count: number, how: DeclaredAs): string | undefined {
  const supported = SUPPORTED_STACK_TOKENS[how];
  if (count <= supported) return undefined;
  const n = (v: number) => v.toLocaleString("en-US");
  const split =
    how === "declaration files"
      ? "move some declaration files to a second stack of this project: `pulumi stack init offboarding-2`, set its " +
        "marin-social:apiUrl and (with --secret) marin-social:apiKey, then `pulumi config set --path 'marin-social:declarations[0]' part-2.yaml` " +
        `(or a folder); every stack cuts its own tokens, in any order. Or declare them as the native plugin's resources (Pulumi YAML or an SDK), ` +
        `supported up to ${n(SUPPORTED_STACK_TOKENS.resources)} per stack`
      : "declare the rest in a second stack (`pulumi stack init offboarding-2` with the same program reading its own list, or a second project)";
  return (
    `this stack declares ${n(count)} tokens; the supported size is ${n(supported)} per stack ` +
    `(what the bench measures: above it preview and up take longer and use more memory than measured, and may not finish). ` +
    `Nothing is refused: to stay within it, ${split}. See docs/performance.md#stack-size.`
  );
}
