export enum ContributionEventKind {
    SUBMITTED = "SUBMITTED",
    ACCEPTED = "ACCEPTED",
    REJECTED = "REJECTED",
    SLASHED = "SLASHED",
}
