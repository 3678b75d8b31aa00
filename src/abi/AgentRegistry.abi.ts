import * as p from '@subsquid/evm-codec'
import { event, fun, viewFun, indexed, ContractBase } from '@subsquid/evm-abi'
import type { EventParams as EParams, FunctionArguments, FunctionReturn } from '@subsquid/evm-abi'

export const events = {
    AgentRegistered: event("0x0d063c6022bff16d09991a9f91882ffa112f5fb2529136f65eb4c77bbd047e43", "AgentRegistered(uint256,address,string)", {"agentId": indexed(p.uint256), "owner": indexed(p.address), "metadataURI": p.string}),
}

export const functions = {
    agentCount: viewFun("0xb7dc1284", "agentCount()", {}, p.uint256),
    ownerOf: viewFun("0x6352211e", "ownerOf(uint256)", {"_0": p.uint256}, p.address),
    registerAgent: fun("0x2d2a9585", "registerAgent(string)", {"metadataURI": p.string}, p.uint256),
}

export class Contract extends ContractBase {

    agentCount() {
        return this.eth_call(functions.agentCount, {})
    }

    ownerOf(_0: OwnerOfParams["_0"]) {
        return this.eth_call(functions.ownerOf, {_0})
    }
}

/// Event types
export type AgentRegisteredEventArgs = EParams<typeof events.AgentRegistered>

/// Function types
export type AgentCountParams = FunctionArguments<typeof functions.agentCount>
export type AgentCountReturn = FunctionReturn<typeof functions.agentCount>

export type OwnerOfParams = FunctionArguments<typeof functions.ownerOf>
export type OwnerOfReturn = FunctionReturn<typeof functions.ownerOf>

export type RegisterAgentParams = FunctionArguments<typeof functions.registerAgent>
export type RegisterAgentReturn = FunctionReturn<typeof functions.registerAgent>

