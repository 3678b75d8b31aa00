// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// Models: base models and LoRA adapters of a base model, with their fee split.
contract ModelRegistry {
    struct Model {
        address owner;
        uint256 baseModelId; // 0 for a base model
        uint256[] datanetIds;
        string metadataURI;
        uint16 modelBps;
        uint16 stakersBps;
        uint16 dataBps;
    }

    event ModelRegistered(uint256 indexed modelId, address indexed owner, uint256 indexed baseModelId, uint256[] datanetIds, string metadataURI);
    event FeeSplitSet(uint256 indexed modelId, uint16 modelBps, uint16 stakersBps, uint16 dataBps);

    uint256 public modelCount;
    mapping(uint256 => Model) public models; // the getter leaves out datanetIds (an array)

    /// Datanet ids are not checked against the DatanetRegistry: the registries stay independent.
    function registerModel(uint256 baseModelId, uint256[] calldata datanetIds, string calldata metadataURI)
        external
        returns (uint256 modelId)
    {
        if (baseModelId != 0) {
            Model storage base = models[baseModelId];
            require(base.owner != address(0), "unknown base model");
            require(base.baseModelId == 0, "base is an adapter");
        }
        modelId = ++modelCount;
        Model storage m = models[modelId];
        m.owner = msg.sender;
        m.baseModelId = baseModelId;
        m.datanetIds = datanetIds;
        m.metadataURI = metadataURI;
        emit ModelRegistered(modelId, msg.sender, baseModelId, datanetIds, metadataURI);
    }

    function setFeeSplit(uint256 modelId, uint16 modelBps, uint16 stakersBps, uint16 dataBps) external {
        Model storage m = models[modelId];
        require(m.owner == msg.sender, "not model owner");
        require(uint256(modelBps) + stakersBps + dataBps == 10000, "split must sum to 10000");
        (m.modelBps, m.stakersBps, m.dataBps) = (modelBps, stakersBps, dataBps);
        emit FeeSplitSet(modelId, modelBps, stakersBps, dataBps);
    }
}
