/** The pure core: types, planner, descriptions and drift. No I/O, no Pulumi. */
export * from "./types";
export * from "./actor";
export * from "./rules";
export * from "./plan";
export * from "./apply";
export * from "./describe";
export * from "./display";
export * from "./config-advice";
export * from "./drift";
export * from "./report";
export * from "./errors";
export * from "./problem-types";
export * from "./equal";
export * from "./url";
