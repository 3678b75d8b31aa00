export enum AttributionMode {
    AWAITING_USAGE = "AWAITING_USAGE",
    USAGE = "USAGE",
    FALLBACK = "FALLBACK",
    OWNER = "OWNER",
}
