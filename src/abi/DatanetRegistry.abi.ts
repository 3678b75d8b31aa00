import * as p from '@subsquid/evm-codec'
import { event, fun, viewFun, indexed, ContractBase } from '@subsquid/evm-abi'
import type { EventParams as EParams, FunctionArguments, FunctionReturn } from '@subsquid/evm-abi'

export const events = {
    ContributionReviewed: event("0x891826e67ecaffb4ff834eaff83475cae06ed2a6725baf9edf6abfd0df30fb25", "ContributionReviewed(uint256,bool,address)", {"contributionId": indexed(p.uint256), "accepted": p.bool, "reviewer": p.address}),
    ContributionSlashed: event("0x06d3f34ee9d0cb8153eaa458e1cdc4af32ed284236f70962268291b5ae908245", "ContributionSlashed(uint256,uint256,string)", {"contributionId": indexed(p.uint256), "amount": p.uint256, "reason": p.string}),
    ContributionSubmitted: event("0x31e2875da0893a3847cc3539816bd204b56505c40d375d55028cc1f0ec608a8f", "ContributionSubmitted(uint256,uint256,address,bytes32,uint256)", {"datanetId": indexed(p.uint256), "contributionId": indexed(p.uint256), "contributor": indexed(p.address), "contentHash": p.bytes32, "stake": p.uint256}),
    DatanetCreated: event("0x72ddc5f7e6046dc07f21df491212d3b1757c4934b24e1a093c211e13476f5c33", "DatanetCreated(uint256,address,string)", {"datanetId": indexed(p.uint256), "owner": indexed(p.address), "metadataURI": p.string}),
}

export const functions = {
    contributionCount: viewFun("0x5b18056b", "contributionCount()", {}, p.uint256),
    contributions: viewFun("0x1cee0700", "contributions(uint256)", {"_0": p.uint256}, {"datanetId": p.uint256, "contributor": p.address, "contentHash": p.bytes32, "stake": p.uint256, "status": p.uint8, "slashed": p.uint256}),
    createDatanet: fun("0x596b0027", "createDatanet(string)", {"metadataURI": p.string}, p.uint256),
    datanetCount: viewFun("0x49f62af4", "datanetCount()", {}, p.uint256),
    datanets: viewFun("0x5329dcea", "datanets(uint256)", {"_0": p.uint256}, {"owner": p.address, "metadataURI": p.string}),
    reviewContribution: fun("0x055e6a76", "reviewContribution(uint256,bool)", {"contributionId": p.uint256, "accepted": p.bool}, ),
    slashContribution: fun("0x30efe678", "slashContribution(uint256,uint256,string)", {"contributionId": p.uint256, "amount": p.uint256, "reason": p.string}, ),
    submitContribution: fun("0x0696606c", "submitContribution(uint256,bytes32)", {"datanetId": p.uint256, "contentHash": p.bytes32}, p.uint256),
}

export class Contract extends ContractBase {

    contributionCount() {
        return this.eth_call(functions.contributionCount, {})
    }

    contributions(_0: ContributionsParams["_0"]) {
        return this.eth_call(functions.contributions, {_0})
    }

    datanetCount() {
        return this.eth_call(functions.datanetCount, {})
    }

    datanets(_0: DatanetsParams["_0"]) {
        return this.eth_call(functions.datanets, {_0})
    }
}

/// Event types
export type ContributionReviewedEventArgs = EParams<typeof events.ContributionReviewed>
export type ContributionSlashedEventArgs = EParams<typeof events.ContributionSlashed>
export type ContributionSubmittedEventArgs = EParams<typeof events.ContributionSubmitted>
export type DatanetCreatedEventArgs = EParams<typeof events.DatanetCreated>

/// Function types
export type ContributionCountParams = FunctionArguments<typeof functions.contributionCount>
export type ContributionCountReturn = FunctionReturn<typeof functions.contributionCount>

export type ContributionsParams = FunctionArguments<typeof functions.contributions>
export type ContributionsReturn = FunctionReturn<typeof functions.contributions>

export type CreateDatanetParams = FunctionArguments<typeof functions.createDatanet>
export type CreateDatanetReturn = FunctionReturn<typeof functions.createDatanet>

export type DatanetCountParams = FunctionArguments<typeof functions.datanetCount>
export type DatanetCountReturn = FunctionReturn<typeof functions.datanetCount>

export type DatanetsParams = FunctionArguments<typeof functions.datanets>
export type DatanetsReturn = FunctionReturn<typeof functions.datanets>

export type ReviewContributionParams = FunctionArguments<typeof functions.reviewContribution>
export type ReviewContributionReturn = FunctionReturn<typeof functions.reviewContribution>

export type SlashContributionParams = FunctionArguments<typeof functions.slashContribution>
export type SlashContributionReturn = FunctionReturn<typeof functions.slashContribution>

export type SubmitContributionParams = FunctionArguments<typeof functions.submitContribution>
export type SubmitContributionReturn = FunctionReturn<typeof functions.submitContribution>

