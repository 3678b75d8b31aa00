// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// Datanets (curated datasets) and the contributions submitted to them.
contract DatanetRegistry {
    enum Status { None, Pending, Accepted, Rejected }

    struct Datanet {
        address owner;
        string metadataURI;
    }

    struct Contribution {
        uint256 datanetId;
        address contributor;
        bytes32 contentHash;
        uint256 stake;
        Status status;
        uint256 slashed;
    }

    event DatanetCreated(uint256 indexed datanetId, address indexed owner, string metadataURI);
    event ContributionSubmitted(uint256 indexed datanetId, uint256 indexed contributionId, address indexed contributor, bytes32 contentHash, uint256 stake);
    event ContributionReviewed(uint256 indexed contributionId, bool accepted, address reviewer);
    event ContributionSlashed(uint256 indexed contributionId, uint256 amount, string reason);

    uint256 public datanetCount;
    uint256 public contributionCount;
    mapping(uint256 => Datanet) public datanets;
    mapping(uint256 => Contribution) public contributions;

    function createDatanet(string calldata metadataURI) external returns (uint256 datanetId) {
        datanetId = ++datanetCount;
        datanets[datanetId] = Datanet(msg.sender, metadataURI);
        emit DatanetCreated(datanetId, msg.sender, metadataURI);
    }

    /// The stake is the ether sent with the call; it stays in this contract.
    function submitContribution(uint256 datanetId, bytes32 contentHash) external payable returns (uint256 contributionId) {
        require(datanets[datanetId].owner != address(0), "unknown datanet");
        contributionId = ++contributionCount;
        contributions[contributionId] = Contribution(datanetId, msg.sender, contentHash, msg.value, Status.Pending, 0);
        emit ContributionSubmitted(datanetId, contributionId, msg.sender, contentHash, msg.value);
    }

    function reviewContribution(uint256 contributionId, bool accepted) external {
        Contribution storage c = _ownedContribution(contributionId);
        require(c.status == Status.Pending, "already reviewed");
        c.status = accepted ? Status.Accepted : Status.Rejected;
        emit ContributionReviewed(contributionId, accepted, msg.sender);
    }

    /// Records a penalty against the contribution; the amount is bookkeeping, no ether moves.
    function slashContribution(uint256 contributionId, uint256 amount, string calldata reason) external {
        Contribution storage c = _ownedContribution(contributionId);
        c.slashed += amount;
        emit ContributionSlashed(contributionId, amount, reason);
    }

    function _ownedContribution(uint256 contributionId) private view returns (Contribution storage c) {
        c = contributions[contributionId];
        require(c.status != Status.None, "unknown contribution");
        require(datanets[c.datanetId].owner == msg.sender, "not datanet owner");
    }
}
