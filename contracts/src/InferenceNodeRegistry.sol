// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// Inference nodes: the signers of usage records. This contract's address is the EIP-712
/// verifyingContract of the usage-record domain.
contract InferenceNodeRegistry {
    event InferenceNodeRegistered(address indexed node, address indexed operator);
    event InferenceNodeRevoked(address indexed node);

    mapping(address => address) public operatorOf;
    mapping(address => bool) private active;

    /// A node address is registered once; a revoked node stays revoked.
    function registerNode(address node) external {
        require(node != address(0), "zero node");
        require(operatorOf[node] == address(0), "node already registered");
        operatorOf[node] = msg.sender;
        active[node] = true;
        emit InferenceNodeRegistered(node, msg.sender);
    }

    function revokeNode(address node) external {
        require(operatorOf[node] == msg.sender, "not node operator");
        require(active[node], "node not active");
        active[node] = false;
        emit InferenceNodeRevoked(node);
    }

    function isActive(address node) external view returns (bool) {
        return active[node];
    }
}
