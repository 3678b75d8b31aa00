// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// Test-only: emits exactly the log it is given (0 to 4 topics, any data), so tests can put malformed logs
/// and unknown events on chain from an address the indexer watches.
contract TestRawEmitter {
    function emitRaw(bytes32[] calldata topics, bytes calldata data) external {
        require(topics.length <= 4, "at most 4 topics");
        bytes memory body = data;
        uint256 count = topics.length;
        assembly {
            let start := add(body, 0x20)
            let size := mload(body)
            let t := topics.offset
            switch count
            case 0 { log0(start, size) }
            case 1 { log1(start, size, calldataload(t)) }
            case 2 { log2(start, size, calldataload(t), calldataload(add(t, 0x20))) }
            case 3 { log3(start, size, calldataload(t), calldataload(add(t, 0x20)), calldataload(add(t, 0x40))) }
            default {
                log4(start, size, calldataload(t), calldataload(add(t, 0x20)), calldataload(add(t, 0x40)), calldataload(add(t, 0x60)))
            }
        }
    }
}
