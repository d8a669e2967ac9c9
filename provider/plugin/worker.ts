/** The plugin's worker thread (see main.ts): serves, and tells the main thread its port. */
import { parentPort, workerData } from "node:worker_threads";
import { engineAddress, startPluginServer } from "./server";

void startPluginServer(engineAddress((workerData as { args: string[] }).args)).then((server) => parentPort!.postMessage(server.port));
