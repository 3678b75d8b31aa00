import * as p from '@subsquid/evm-codec'
import { event, fun, viewFun, indexed, ContractBase } from '@subsquid/evm-abi'
import type { EventParams as EParams, FunctionArguments, FunctionReturn } from '@subsquid/evm-abi'

export const events = {
    InferenceNodeRegistered: event("0x94dc8784d809d59b030fba3bc8a90d4e658388c6a5b114ce4799b394eb1ba254", "InferenceNodeRegistered(address,address)", {"node": indexed(p.address), "operator": indexed(p.address)}),
    InferenceNodeRevoked: event("0xd8d5d2e0f6b74499a33ad3377bbe3f36f31421a541122106fef2194eb56391ac", "InferenceNodeRevoked(address)", {"node": indexed(p.address)}),
}

export const functions = {
    isActive: viewFun("0x9f8a13d7", "isActive(address)", {"node": p.address}, p.bool),
    operatorOf: viewFun("0x636f35d3", "operatorOf(address)", {"_0": p.address}, p.address),
    registerNode: fun("0x672d7a0d", "registerNode(address)", {"node": p.address}, ),
    revokeNode: fun("0xb76a8bd2", "revokeNode(address)", {"node": p.address}, ),
}

export class Contract extends ContractBase {

    isActive(node: IsActiveParams["node"]) {
        return this.eth_call(functions.isActive, {node})
    }

    operatorOf(_0: OperatorOfParams["_0"]) {
        return this.eth_call(functions.operatorOf, {_0})
    }
}

/// Event types
export type InferenceNodeRegisteredEventArgs = EParams<typeof events.InferenceNodeRegistered>
export type InferenceNodeRevokedEventArgs = EParams<typeof events.InferenceNodeRevoked>

/// Function types
export type IsActiveParams = FunctionArguments<typeof functions.isActive>
export type IsActiveReturn = FunctionReturn<typeof functions.isActive>

export type OperatorOfParams = FunctionArguments<typeof functions.operatorOf>
export type OperatorOfReturn = FunctionReturn<typeof functions.operatorOf>

export type RegisterNodeParams = FunctionArguments<typeof functions.registerNode>
export type RegisterNodeReturn = FunctionReturn<typeof functions.registerNode>

export type RevokeNodeParams = FunctionArguments<typeof functions.revokeNode>
export type RevokeNodeReturn = FunctionReturn<typeof functions.revokeNode>

