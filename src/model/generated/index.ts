export * from "./contributor.model.js"
export * from "./datanet.model.js"
export * from "./contribution.model.js"
export * from "./_contributionStatus.js"
