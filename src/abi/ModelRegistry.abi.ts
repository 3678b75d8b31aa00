import * as p from '@subsquid/evm-codec'
import { event, fun, viewFun, indexed, ContractBase } from '@subsquid/evm-abi'
import type { EventParams as EParams, FunctionArguments, FunctionReturn } from '@subsquid/evm-abi'

export const events = {
    FeeSplitSet: event("0x9e615f6fc80baa8c808313fe49113e859926373d839eb39d78da22892ef13367", "FeeSplitSet(uint256,uint16,uint16,uint16)", {"modelId": indexed(p.uint256), "modelBps": p.uint16, "stakersBps": p.uint16, "dataBps": p.uint16}),
    ModelRegistered: event("0x4fabc29fdf175c2237c1fbaeb7a01055ecfab3d4bfb80a8d5139517b488d2c75", "ModelRegistered(uint256,address,uint256,uint256[],string)", {"modelId": indexed(p.uint256), "owner": indexed(p.address), "baseModelId": indexed(p.uint256), "datanetIds": p.array(p.uint256), "metadataURI": p.string}),
}

export const functions = {
    modelCount: viewFun("0xc6a645fe", "modelCount()", {}, p.uint256),
    models: viewFun("0x6a030ca9", "models(uint256)", {"_0": p.uint256}, {"owner": p.address, "baseModelId": p.uint256, "metadataURI": p.string, "modelBps": p.uint16, "stakersBps": p.uint16, "dataBps": p.uint16}),
    registerModel: fun("0x67955c72", "registerModel(uint256,uint256[],string)", {"baseModelId": p.uint256, "datanetIds": p.array(p.uint256), "metadataURI": p.string}, p.uint256),
    setFeeSplit: fun("0xe0abf9f5", "setFeeSplit(uint256,uint16,uint16,uint16)", {"modelId": p.uint256, "modelBps": p.uint16, "stakersBps": p.uint16, "dataBps": p.uint16}, ),
}

export class Contract extends ContractBase {

    modelCount() {
        return this.eth_call(functions.modelCount, {})
    }

    models(_0: ModelsParams["_0"]) {
        return this.eth_call(functions.models, {_0})
    }
}

/// Event types
export type FeeSplitSetEventArgs = EParams<typeof events.FeeSplitSet>
export type ModelRegisteredEventArgs = EParams<typeof events.ModelRegistered>

/// Function types
export type ModelCountParams = FunctionArguments<typeof functions.modelCount>
export type ModelCountReturn = FunctionReturn<typeof functions.modelCount>

export type ModelsParams = FunctionArguments<typeof functions.models>
export type ModelsReturn = FunctionReturn<typeof functions.models>

export type RegisterModelParams = FunctionArguments<typeof functions.registerModel>
export type RegisterModelReturn = FunctionReturn<typeof functions.registerModel>

export type SetFeeSplitParams = FunctionArguments<typeof functions.setFeeSplit>
export type SetFeeSplitReturn = FunctionReturn<typeof functions.setFeeSplit>

