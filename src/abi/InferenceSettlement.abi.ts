import * as p from '@subsquid/evm-codec'
import { event, fun, viewFun, indexed, ContractBase } from '@subsquid/evm-abi'
import type { EventParams as EParams, FunctionArguments, FunctionReturn } from '@subsquid/evm-abi'

export const events = {
    InferenceSettled: event("0x4466417631a85d122985bf47d701223e8175e65a579314d15ed8c4e99b0029ad", "InferenceSettled(bytes32,uint256,uint256,address,uint256,uint256)", {"inferenceId": indexed(p.bytes32), "modelId": indexed(p.uint256), "agentId": indexed(p.uint256), "payer": p.address, "fee": p.uint256, "platformFee": p.uint256}),
}

export const functions = {
    settle: fun("0x3337792a", "settle(bytes32,uint256,uint256,uint256)", {"inferenceId": p.bytes32, "modelId": p.uint256, "agentId": p.uint256, "platformFee": p.uint256}, ),
    settled: viewFun("0xd945af1d", "settled(bytes32)", {"_0": p.bytes32}, p.bool),
}

export class Contract extends ContractBase {

    settled(_0: SettledParams["_0"]) {
        return this.eth_call(functions.settled, {_0})
    }
}

/// Event types
export type InferenceSettledEventArgs = EParams<typeof events.InferenceSettled>

/// Function types
export type SettleParams = FunctionArguments<typeof functions.settle>
export type SettleReturn = FunctionReturn<typeof functions.settle>

export type SettledParams = FunctionArguments<typeof functions.settled>
export type SettledReturn = FunctionReturn<typeof functions.settled>

