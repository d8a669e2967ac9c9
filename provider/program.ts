/**
 * The stack program behind the repository's Pulumi.yaml: reads the declaration
 * files named by config `marin-social:declarations` (a file or folder, or a list
 * of them; default `tokens.yaml` beside Pulumi.yaml) and registers one
 * PublisherToken per entry.
 */
import { declaredStack } from "./dynamic/declared-stack";

export = () => declaredStack();
