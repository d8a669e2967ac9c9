/** The pure core: types, planner, descriptions and drift. No I/O, no Pulumi. */

export * from "./actor";
export * from "./apply";
export * from "./config-advice";
export * from "./describe";
export * from "./display";
export * from "./drift";
export * from "./equal";
export * from "./errors";
export * from "./guard";
export * from "./offboarding";
export * from "./person";
export * from "./person-report";
export * from "./plan";
export * from "./problem-types";
export * from "./report";
export * from "./rules";
export * from "./scale";
export * from "./suggest";
export * from "./types";
export * from "./url";
