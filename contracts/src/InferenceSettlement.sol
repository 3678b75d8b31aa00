// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// Settlement of paid inferences: the fee is the ether sent, held by this contract.
contract InferenceSettlement {
    event InferenceSettled(bytes32 indexed inferenceId, uint256 indexed modelId, uint256 indexed agentId, address payer, uint256 fee, uint256 platformFee);

    mapping(bytes32 => bool) public settled;

    /// platformFee <= fee is deliberately NOT enforced here: the indexer must dead-letter such
    /// settlements, and tests need to be able to produce one.
    function settle(bytes32 inferenceId, uint256 modelId, uint256 agentId, uint256 platformFee) external payable {
        require(!settled[inferenceId], "already settled");
        settled[inferenceId] = true;
        emit InferenceSettled(inferenceId, modelId, agentId, msg.sender, msg.value, platformFee);
    }
}
