// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// Agents: on-chain identities that call models on behalf of users.
contract AgentRegistry {
    event AgentRegistered(uint256 indexed agentId, address indexed owner, string metadataURI);

    uint256 public agentCount;
    mapping(uint256 => address) public ownerOf;

    function registerAgent(string calldata metadataURI) external returns (uint256 agentId) {
        agentId = ++agentCount;
        ownerOf[agentId] = msg.sender;
        emit AgentRegistered(agentId, msg.sender, metadataURI);
    }
}
