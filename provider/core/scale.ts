/**
 * The supported size of one stack, and what to do above it. One place for the figure: the stack
 * program's loader, `marin-social validate` and the native plugin all warn from here.
 */

/**
 * Most tokens one stack is supported with: the largest size the bench measures on both paths
 * (docs/performance.md, N = 5,000 on 2 shared cores: dynamic preview 100 s, up 188 s with
 * PULUMI_SKIP_CHECKPOINTS, program peak 1.8 GB; native preview 39 s, up 104 s, plugin 124 MB).
 * Above it nothing is refused, but preview, up and memory grow past what was measured (a
 * 20,000-token stack was seen to preview for over 590 s and take 4.5 GB on the dynamic path).
 */
export const SUPPORTED_STACK_TOKENS = 5_000;

/**
 * The warning for a stack that declares `count` tokens, or undefined at or below the supported
 * size. `how` says how this path's tokens are declared, for the advice.
 */
export function stackSizeWarning(count: number, how: "declaration files" | "resources"): string | undefined {
  if (count <= SUPPORTED_STACK_TOKENS) return undefined;
  const n = (v: number) => v.toLocaleString("en-US");
  const split =
    how === "declaration files"
      ? "move some declaration files to a second stack of this project: `pulumi stack init offboarding-2`, set its " +
        "marin-social:apiUrl and (with --secret) marin-social:apiKey, then `pulumi config set --path 'marin-social:declarations[0]' part-2.yaml` " +
        "(or a folder); every stack cuts its own tokens, in any order"
      : "declare the rest in a second stack (`pulumi stack init offboarding-2` with the same program reading its own list, or a second project)";
  return (
    `this stack declares ${n(count)} tokens; the supported size is ${n(SUPPORTED_STACK_TOKENS)} per stack ` +
    `(what the bench measures: above it preview and up take longer and use more memory than measured, and may not finish). ` +
    `Nothing is refused: to stay within it, ${split}. See docs/performance.md#stack-size.`
  );
}
