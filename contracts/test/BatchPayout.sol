// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Gas baseline: pushes ETH to every payee in one transaction
/// @notice What a settlement would cost if the coordinator paid contributors directly instead of posting a
/// Merkle root they claim against (scripts/bench-gas.ts compares the two). Not part of the product.
contract BatchPayout {
    error LengthMismatch();
    error ValueMismatch(uint256 sent, uint256 paid);
    error TransferFailed(address payee);

    /// @notice Sends `amounts[i]` to `payees[i]`; the attached value must equal their sum.
    function pay(address[] calldata payees, uint256[] calldata amounts) external payable {
        if (payees.length != amounts.length) revert LengthMismatch();
        uint256 paid = 0;
        for (uint256 i = 0; i < payees.length; i++) {
            paid += amounts[i];
            (bool ok,) = payees[i].call{value: amounts[i]}("");
            if (!ok) revert TransferFailed(payees[i]);
        }
        if (paid != msg.value) revert ValueMismatch(msg.value, paid);
    }
}
