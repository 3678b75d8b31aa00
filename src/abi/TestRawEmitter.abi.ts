import * as p from '@subsquid/evm-codec'
import { event, fun, viewFun, indexed, ContractBase } from '@subsquid/evm-abi'
import type { EventParams as EParams, FunctionArguments, FunctionReturn } from '@subsquid/evm-abi'

export const functions = {
    emitRaw: fun("0x9e738fd3", "emitRaw(bytes32[],bytes)", {"topics": p.array(p.bytes32), "data": p.bytes}, ),
}

export class Contract extends ContractBase {
}

/// Function types
export type EmitRawParams = FunctionArguments<typeof functions.emitRaw>
export type EmitRawReturn = FunctionReturn<typeof functions.emitRaw>

