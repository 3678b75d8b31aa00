// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// Test stand-in for OpenLedger's public Staking contract: same event signatures, minimal logic.
/// Staked ether stays in the contract; unstake returns it to the recipient.
contract TestStaking {
    enum Status { None, Active, UnstakeRequested, Unstaked }

    struct Stake {
        address recipient;
        uint256 amount;
        Status status;
    }

    event Staked(uint256 indexed stakingId, address indexed recipient, uint256 indexed amount);
    event ToppedUp(uint256 indexed stakingId, address indexed recipient, uint256 amount);
    event RequestUnstake(uint256 indexed stakingId, address indexed recipient);
    event Unstaked(uint256 indexed stakingId, address indexed recipient);

    uint256 public stakeCount;
    mapping(uint256 => Stake) public stakes;

    function stake() external payable returns (uint256 stakingId) {
        require(msg.value > 0, "zero stake");
        stakingId = ++stakeCount;
        stakes[stakingId] = Stake(msg.sender, msg.value, Status.Active);
        emit Staked(stakingId, msg.sender, msg.value);
    }

    function topUp(uint256 stakingId) external payable {
        Stake storage s = _own(stakingId, Status.Active);
        require(msg.value > 0, "zero top-up");
        s.amount += msg.value;
        emit ToppedUp(stakingId, msg.sender, msg.value);
    }

    function requestUnstake(uint256 stakingId) external {
        _own(stakingId, Status.Active).status = Status.UnstakeRequested;
        emit RequestUnstake(stakingId, msg.sender);
    }

    function unstake(uint256 stakingId) external {
        Stake storage s = _own(stakingId, Status.UnstakeRequested);
        s.status = Status.Unstaked;
        uint256 amount = s.amount;
        s.amount = 0;
        emit Unstaked(stakingId, msg.sender);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        require(ok, "transfer failed");
    }

    function _own(uint256 stakingId, Status expected) private view returns (Stake storage s) {
        s = stakes[stakingId];
        require(s.recipient == msg.sender, "not stake recipient");
        require(s.status == expected, "wrong stake status");
    }
}
