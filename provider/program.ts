/**
 * The stack program behind the repository's Pulumi.yaml: reads the declaration
 * file named by config `marin-social:declarations` (default `tokens.yaml`
 * beside Pulumi.yaml) and registers one PublisherToken per entry.
 */
import { declaredStack } from "./dynamic/declared-stack";

export = () => declaredStack();
