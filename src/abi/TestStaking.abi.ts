import * as p from '@subsquid/evm-codec'
import { event, fun, viewFun, indexed, ContractBase } from '@subsquid/evm-abi'
import type { EventParams as EParams, FunctionArguments, FunctionReturn } from '@subsquid/evm-abi'

export const events = {
    RequestUnstake: event("0x31159605084327548f769cbdbd72e8abca5a043cd0a976d4fa97cfd932efd8ec", "RequestUnstake(uint256,address)", {"stakingId": indexed(p.uint256), "recipient": indexed(p.address)}),
    Staked: event("0x18dcd430020e4d4899772fd94a8b40451dc5044dfb70bc46b532eeae431c864f", "Staked(uint256,address,uint256)", {"stakingId": indexed(p.uint256), "recipient": indexed(p.address), "amount": indexed(p.uint256)}),
    ToppedUp: event("0xf19b343790b563def8e3295fefceb8287c0389331561e09afd814bca77f1850a", "ToppedUp(uint256,address,uint256)", {"stakingId": indexed(p.uint256), "recipient": indexed(p.address), "amount": p.uint256}),
    Unstaked: event("0x81b0ac4b13aab1ab3b86d524dd62924e99a9d694e94e235f627bb41589717ff7", "Unstaked(uint256,address)", {"stakingId": indexed(p.uint256), "recipient": indexed(p.address)}),
}

export const functions = {
    requestUnstake: fun("0x23095721", "requestUnstake(uint256)", {"stakingId": p.uint256}, ),
    stake: fun("0x3a4b66f1", "stake()", {}, p.uint256),
    stakeCount: viewFun("0xc4a9e116", "stakeCount()", {}, p.uint256),
    stakes: viewFun("0xd5a44f86", "stakes(uint256)", {"_0": p.uint256}, {"recipient": p.address, "amount": p.uint256, "status": p.uint8}),
    topUp: fun("0x50017f3e", "topUp(uint256)", {"stakingId": p.uint256}, ),
    unstake: fun("0x2e17de78", "unstake(uint256)", {"stakingId": p.uint256}, ),
}

export class Contract extends ContractBase {

    stakeCount() {
        return this.eth_call(functions.stakeCount, {})
    }

    stakes(_0: StakesParams["_0"]) {
        return this.eth_call(functions.stakes, {_0})
    }
}

/// Event types
export type RequestUnstakeEventArgs = EParams<typeof events.RequestUnstake>
export type StakedEventArgs = EParams<typeof events.Staked>
export type ToppedUpEventArgs = EParams<typeof events.ToppedUp>
export type UnstakedEventArgs = EParams<typeof events.Unstaked>

/// Function types
export type RequestUnstakeParams = FunctionArguments<typeof functions.requestUnstake>
export type RequestUnstakeReturn = FunctionReturn<typeof functions.requestUnstake>

export type StakeParams = FunctionArguments<typeof functions.stake>
export type StakeReturn = FunctionReturn<typeof functions.stake>

export type StakeCountParams = FunctionArguments<typeof functions.stakeCount>
export type StakeCountReturn = FunctionReturn<typeof functions.stakeCount>

export type StakesParams = FunctionArguments<typeof functions.stakes>
export type StakesReturn = FunctionReturn<typeof functions.stakes>

export type TopUpParams = FunctionArguments<typeof functions.topUp>
export type TopUpReturn = FunctionReturn<typeof functions.topUp>

export type UnstakeParams = FunctionArguments<typeof functions.unstake>
export type UnstakeReturn = FunctionReturn<typeof functions.unstake>

