// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {LumengridEscrow} from "../LumengridEscrow.sol";

/// @title Test-only attacker: re-enters the escrow from `receive()` while being paid
/// @notice As a contributor (its own address in the Merkle tree) it calls `claim` and, when the payment
/// arrives, calls `claim` again with the same proof. As a requestor it deposits for a job, calls `refund`
/// and, when the refund arrives, calls `refund` again. As a disputer it disputes a settlement of its job and,
/// once the bond is owed back, withdraws it and calls `withdrawBond` again when it arrives. As a relayer
/// it sends `claimRelayed` for a contributor who signed it the fee and, when the fee arrives, sends the same
/// relayed claim again. Each re-entry is tried once, inside try/catch, so the
/// outer call still completes and the test can read what happened: whether the re-entry succeeded, the
/// revert data it got, and how much ETH arrived in how many payments.
contract ReentrantClaimer {
    enum Mode {
        Idle,
        Claim,
        Refund,
        Bond,
        Relay
    }

    LumengridEscrow public immutable escrow;

    Mode public mode;
    bytes32 public jobId;
    uint256 public cumulativeAmount;
    bytes32[] private _proof;
    address public relayedAccount;
    uint256 public relayFee;
    bytes private _signature;

    /// @notice Whether `receive()` tried to re-enter (once per attack).
    bool public reentryAttempted;
    /// @notice Whether the re-entering call returned without reverting.
    bool public reentrySucceeded;
    /// @notice Revert data of the failed re-entry (empty when it succeeded or was not tried).
    bytes public reentryError;
    /// @notice ETH received and the number of payments that brought it.
    uint256 public received;
    uint256 public payments;

    constructor(LumengridEscrow escrow_) {
        escrow = escrow_;
    }

    /// @notice Deposits the attached ETH for this contract's job `jobKey` (it is the requestor).
    function depositFor(bytes32 jobKey, uint64 expiresAt) external payable {
        escrow.deposit{value: msg.value}(jobKey, expiresAt);
    }

    /// @notice Disputes settlement `settlementId` of this contract's job `jobId_` with the attached bond.
    function disputeFor(uint256 settlementId, bytes32 jobId_) external payable {
        escrow.dispute{value: msg.value}(settlementId, jobId_);
    }

    /// @notice Withdraws the bonds owed to this contract and re-enters `withdrawBond` when they arrive.
    function attackWithdrawBond() external {
        _reset(Mode.Bond);
        escrow.withdrawBond();
    }

    /// @notice Claims for this contract's own leaf and re-enters `claim` when the payment arrives.
    function attackClaim(uint256 cumulativeAmount_, bytes32[] calldata proof) external {
        _reset(Mode.Claim);
        cumulativeAmount = cumulativeAmount_;
        _proof = proof;
        escrow.claim(address(this), cumulativeAmount_, proof);
    }

    /// @notice Relays `account`'s signed claim (this contract is the relayer it names) and re-enters
    /// `claimRelayed` with the same signature when the fee arrives.
    function attackClaimRelayed(
        address account,
        uint256 cumulativeAmount_,
        bytes32[] calldata proof,
        uint256 fee,
        bytes calldata signature
    ) external {
        _reset(Mode.Relay);
        relayedAccount = account;
        cumulativeAmount = cumulativeAmount_;
        _proof = proof;
        relayFee = fee;
        _signature = signature;
        escrow.claimRelayed(account, cumulativeAmount_, proof, fee, signature);
    }

    /// @notice Takes the refund of a job this contract deposited for and re-enters `refund` when it arrives.
    function attackRefund(bytes32 jobId_) external {
        _reset(Mode.Refund);
        jobId = jobId_;
        escrow.refund(jobId_);
    }

    receive() external payable {
        received += msg.value;
        payments += 1;
        if (reentryAttempted || mode == Mode.Idle) return;
        reentryAttempted = true;
        if (mode == Mode.Claim) {
            try escrow.claim(address(this), cumulativeAmount, _proof) {
                reentrySucceeded = true;
            } catch (bytes memory reason) {
                reentryError = reason;
            }
        } else if (mode == Mode.Relay) {
            try escrow.claimRelayed(relayedAccount, cumulativeAmount, _proof, relayFee, _signature) {
                reentrySucceeded = true;
            } catch (bytes memory reason) {
                reentryError = reason;
            }
        } else if (mode == Mode.Bond) {
            try escrow.withdrawBond() {
                reentrySucceeded = true;
            } catch (bytes memory reason) {
                reentryError = reason;
            }
        } else {
            try escrow.refund(jobId) {
                reentrySucceeded = true;
            } catch (bytes memory reason) {
                reentryError = reason;
            }
        }
    }

    function _reset(Mode mode_) private {
        mode = mode_;
        reentryAttempted = false;
        reentrySucceeded = false;
        delete reentryError;
    }
}
