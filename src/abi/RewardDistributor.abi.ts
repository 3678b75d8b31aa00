import * as p from '@subsquid/evm-codec'
import { event, fun, viewFun, indexed, ContractBase } from '@subsquid/evm-abi'
import type { EventParams as EParams, FunctionArguments, FunctionReturn } from '@subsquid/evm-abi'

export const events = {
    RewardClaimed: event("0x62ef11d9407a95c3673ddbc942cb2c83d2b86f93fac53f5eccfbd49837be2532", "RewardClaimed(uint64,address,uint256)", {"epoch": indexed(p.uint64), "account": indexed(p.address), "amount": p.uint256}),
    RewardRootPublished: event("0x94415983267f0c05ff1ddff9f5070371a0dc0a6126de828b3c9b5999b4a6bfda", "RewardRootPublished(uint64,bytes32,uint256)", {"epoch": indexed(p.uint64), "root": p.bytes32, "total": p.uint256}),
}

export const functions = {
    claim: fun("0xa2f94bd3", "claim(uint64,address,uint256,bytes32[])", {"epoch": p.uint64, "account": p.address, "amount": p.uint256, "proof": p.array(p.bytes32)}, ),
    claimed: viewFun("0xa60628e2", "claimed(uint64,address)", {"_0": p.uint64, "_1": p.address}, p.bool),
    owner: viewFun("0x8da5cb5b", "owner()", {}, p.address),
    publishRoot: fun("0xd35c9761", "publishRoot(uint64,bytes32,uint256)", {"epoch": p.uint64, "root": p.bytes32, "total": p.uint256}, ),
    roots: viewFun("0x1e3f0320", "roots(uint64)", {"_0": p.uint64}, p.bytes32),
}

export class Contract extends ContractBase {

    claimed(_0: ClaimedParams["_0"], _1: ClaimedParams["_1"]) {
        return this.eth_call(functions.claimed, {_0, _1})
    }

    owner() {
        return this.eth_call(functions.owner, {})
    }

    roots(_0: RootsParams["_0"]) {
        return this.eth_call(functions.roots, {_0})
    }
}

/// Event types
export type RewardClaimedEventArgs = EParams<typeof events.RewardClaimed>
export type RewardRootPublishedEventArgs = EParams<typeof events.RewardRootPublished>

/// Function types
export type ClaimParams = FunctionArguments<typeof functions.claim>
export type ClaimReturn = FunctionReturn<typeof functions.claim>

export type ClaimedParams = FunctionArguments<typeof functions.claimed>
export type ClaimedReturn = FunctionReturn<typeof functions.claimed>

export type OwnerParams = FunctionArguments<typeof functions.owner>
export type OwnerReturn = FunctionReturn<typeof functions.owner>

export type PublishRootParams = FunctionArguments<typeof functions.publishRoot>
export type PublishRootReturn = FunctionReturn<typeof functions.publishRoot>

export type RootsParams = FunctionArguments<typeof functions.roots>
export type RootsReturn = FunctionReturn<typeof functions.roots>

