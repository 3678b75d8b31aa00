// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// Per-epoch payout roots (OpenZeppelin StandardMerkleTree over (address, uint256)) and claims
/// against them. Claims are only recorded, no ether moves: paying out is the reward engine's job,
/// and keeping this an index of claims means tests need no funded contract.
contract RewardDistributor {
    event RewardRootPublished(uint64 indexed epoch, bytes32 root, uint256 total);
    event RewardClaimed(uint64 indexed epoch, address indexed account, uint256 amount);

    address public immutable owner;
    mapping(uint64 => bytes32) public roots;
    mapping(uint64 => mapping(address => bool)) public claimed;

    constructor() {
        owner = msg.sender;
    }

    function publishRoot(uint64 epoch, bytes32 root, uint256 total) external {
        require(msg.sender == owner, "not owner");
        require(root != bytes32(0), "zero root");
        require(roots[epoch] == bytes32(0), "root already published");
        roots[epoch] = root;
        emit RewardRootPublished(epoch, root, total);
    }

    function claim(uint64 epoch, address account, uint256 amount, bytes32[] calldata proof) external {
        bytes32 root = roots[epoch];
        require(root != bytes32(0), "no root for epoch");
        require(!claimed[epoch][account], "already claimed");
        // StandardMerkleTree leaf: double-hashed so a leaf can never be mistaken for an inner node.
        bytes32 node = keccak256(bytes.concat(keccak256(abi.encode(account, amount))));
        for (uint256 i = 0; i < proof.length; i++) {
            node = _hashPair(node, proof[i]);
        }
        require(node == root, "invalid proof");
        claimed[epoch][account] = true;
        emit RewardClaimed(epoch, account, amount);
    }

    /// Inner nodes hash their children in sorted order, as OpenZeppelin's MerkleProof does.
    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }
}
