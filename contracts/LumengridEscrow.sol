// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title Lumengrid escrow: requestors' deposits in, contributors' verified credit out
/// @notice A requestor deposits ETH for a render job under a job key of its choosing; the escrow's job id is
/// `jobIdOf(requestor, jobKey)`, so nobody else can deposit into (or squat) a requestor's job. The
/// coordinator posts settlements: a Merkle root over every contributor's cumulative credit (across all jobs)
/// and, per job it touches, that job's cumulative settled amount, which may never exceed the job's deposit.
/// A settlement becomes final when its challenge window passes undisputed (soft resolution); a requestor
/// whose job it touches may dispute within the window by posting `disputeBond`, and the arbiter then upholds
/// it (the bond is forfeited) or voids it (the bond comes back) within `arbitrationWindow` (firm resolution).
/// A dispute the arbiter leaves past that window may be expired by anyone (void, bond back), and the
/// coordinator may supersede a disputed settlement by posting the next one (void, bond back), so one dispute
/// never stops everyone else's payouts. Contributors claim against the latest final root with one proof for
/// all their work; the requestor takes back what was not settled once the job is closed by a final
/// settlement or has expired.
/// @dev Every value transfer follows checks-effects-interactions and is `nonReentrant`; bonds are pull
/// payments. Settlements are sequential: a new one may be posted only once the previous one is final or void
/// (or disputed, which the new one voids), so that a job's "pending" amount always belongs to at most one
/// settlement that is not void, and folding it in never needs a loop. Every narrowing cast is SafeCast's.
/// Leaves are OpenZeppelin StandardMerkleTree leaves of `(address account, uint256 cumulativeAmount)`.
/// A contributor without ETH for gas signs an EIP-712 `RelayedClaim` naming the relayer and its fee; the
/// relayer sends `claimRelayed`, the contributor gets the claim minus the fee and the relayer the fee.
contract LumengridEscrow is AccessControl, ReentrancyGuard, EIP712 {
    using SafeCast for uint256;

    bytes32 public constant COORDINATOR_ROLE = keccak256("COORDINATOR_ROLE");
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice EIP-712 type a contributor signs to let `relayer` send its claim for `fee` out of it.
    /// @dev No nonce: `cumulativeAmount` is one claim, and once it is paid the same signature draws nothing.
    bytes32 public constant RELAYED_CLAIM_TYPEHASH =
        keccak256("RelayedClaim(address account,uint256 cumulativeAmount,address relayer,uint256 fee)");

    enum SettlementStatus {
        None,
        Pending,
        Disputed,
        Final,
        Void
    }

    struct Job {
        address requestor;
        uint64 expiresAt;
        /// Id of the settlement that carries `pendingSettled` / `pendingClose`; 0 when none.
        uint64 pendingIn;
        bool closed;
        bool refunded;
        bool pendingClose;
        uint128 deposited;
        /// Cumulative amount of final settlements credited to contributors from this deposit.
        uint128 settled;
        /// The cumulative amount proposed by settlement `pendingIn`; takes effect when it is final.
        uint128 pendingSettled;
    }

    struct Settlement {
        bytes32 root;
        /// Cumulative amount claimable from all settlements up to and including this one.
        uint128 total;
        uint64 postedAt;
        SettlementStatus status;
        bytes32 disputedJob;
        /// Who disputed it and posted the bond (zero when never disputed), and when.
        address disputer;
        uint64 disputedAt;
    }

    /// @notice Seconds a settlement stays open to disputes before it is final.
    uint64 public immutable challengeWindow;
    /// @notice Seconds the arbiter has to resolve a dispute; after that anyone may expire it.
    uint64 public immutable arbitrationWindow;
    /// @notice The exact ETH a dispute must carry; forfeited if the arbiter upholds the settlement.
    uint256 public immutable disputeBond;

    mapping(bytes32 jobId => Job) private _jobs;
    /// @dev Settlement ids start at 1; index 0 is never used.
    Settlement[] private _settlements;
    /// @notice Id of the latest settlement known to be final (see also `latestFinalSettlement`).
    /// @dev uint64 ids share one slot, so posting and finalising a settlement each write it once.
    uint64 public finalizedId;
    /// @notice Id of the settlement awaiting its window or a dispute resolution; 0 when none.
    uint64 public pendingId;
    /// @notice What each account has claimed so far (cumulative).
    mapping(address account => uint256) public claimed;
    uint256 public totalClaimed;
    /// @notice Bonds owed back to disputers (voided, expired or superseded settlements), withdrawn by them.
    mapping(address account => uint256) public bondRefunds;
    /// @notice Bonds of upheld settlements, withdrawn by the admin.
    uint256 public forfeitedBonds;
    /// @notice All bond ETH the escrow holds: open disputes' bonds, `bondRefunds` and `forfeitedBonds`.
    uint256 public bondsHeld;

    event Deposited(bytes32 indexed jobId, address indexed requestor, bytes32 jobKey, uint256 amount, uint64 expiresAt);
    event SettlementPosted(uint256 indexed settlementId, bytes32 root, uint256 total, uint64 disputableUntil);
    event JobSettlementProposed(uint256 indexed settlementId, bytes32 indexed jobId, uint256 settled, bool closes);
    event SettlementDisputed(uint256 indexed settlementId, bytes32 indexed jobId, address indexed requestor, uint256 bond);
    event DisputeResolved(uint256 indexed settlementId, bool upheld);
    event DisputeExpired(uint256 indexed settlementId);
    event SettlementSuperseded(uint256 indexed settlementId, uint256 indexed bySettlementId);
    event BondWithdrawn(address indexed account, uint256 amount);
    event ForfeitedBondsWithdrawn(address indexed to, uint256 amount);
    event Claimed(address indexed account, uint256 amount, uint256 cumulative, uint256 settlementId);
    event Refunded(bytes32 indexed jobId, address indexed requestor, uint256 amount);
    /// @notice A claim sent by `relayer` for `account`: of the `Claimed` amount, `fee` went to the relayer.
    event ClaimRelayed(address indexed account, address indexed relayer, uint256 fee);

    error ZeroAmount();
    error JobExpiryInPast(uint64 expiresAt);
    error NotJobRequestor(bytes32 jobId, address caller);
    error JobNotOpen(bytes32 jobId);
    error UnknownJob(bytes32 jobId);
    error SettlementStillOpen(uint256 settlementId);
    error LengthMismatch();
    error EmptySettlement();
    error DuplicateJob(bytes32 jobId);
    error SettledBeyondDeposit(bytes32 jobId, uint256 settled, uint256 deposited);
    error SettledDecreased(bytes32 jobId, uint256 settled, uint256 previously);
    error TotalMismatch(uint256 total, uint256 expected);
    error UnknownSettlement(uint256 settlementId);
    error NotDisputable(uint256 settlementId);
    error NotDisputed(uint256 settlementId);
    error NoFinalSettlement();
    error InvalidProof();
    error NothingToClaim(address account);
    error ClaimsExceedSettled(uint256 totalClaimed, uint256 settled);
    error NotRefundable(bytes32 jobId);
    error ZeroAddress();
    error WrongDisputeBond(uint256 sent, uint256 bond);
    error ArbitrationWindowPassed(uint256 settlementId, uint256 endedAt);
    error ArbitrationStillOpen(uint256 settlementId, uint256 endsAt);
    error NothingToWithdraw(address account);
    error InvalidRelaySignature(address account);
    error FeeExceedsClaim(uint256 fee, uint256 amount);

    /// @param admin holds DEFAULT_ADMIN_ROLE (grants and revokes roles, withdraws forfeited bonds); not the
    /// deployer implicitly, so that the coordinator's hot key can deploy without becoming admin
    /// @param coordinator posts settlements
    /// @param arbiter resolves disputes
    /// @param challengeWindowSeconds how long a settlement can be disputed
    /// @param arbitrationWindowSeconds how long the arbiter has to resolve a dispute
    /// @param disputeBondWei the exact ETH a dispute carries
    constructor(
        address admin,
        address coordinator,
        address arbiter,
        uint64 challengeWindowSeconds,
        uint64 arbitrationWindowSeconds,
        uint256 disputeBondWei
    ) EIP712("LumengridEscrow", "1") {
        if (admin == address(0) || coordinator == address(0) || arbiter == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(COORDINATOR_ROLE, coordinator);
        _grantRole(ARBITER_ROLE, arbiter);
        challengeWindow = challengeWindowSeconds;
        arbitrationWindow = arbitrationWindowSeconds;
        disputeBond = disputeBondWei;
        _settlements.push(); // id 0: "none"
    }

    // ─── requestors ──────────────────────────────────────────────────────────────────────────────────────

    /// @notice Deposits ETH for the caller's job `jobKey`, whose escrow id is `jobIdOf(msg.sender, jobKey)`:
    /// the first deposit opens it with the caller as its requestor, later ones top it up and may extend the
    /// expiry. Another account depositing under the same key opens a different job, so no one can take or
    /// block a requestor's job.
    /// @param expiresAt after this time the requestor may take back whatever is not settled
    function deposit(bytes32 jobKey, uint64 expiresAt) external payable {
        if (msg.value == 0) revert ZeroAmount();
        bytes32 jobId = jobIdOf(msg.sender, jobKey);
        Job storage job = _jobs[jobId];
        if (job.requestor == address(0)) {
            if (expiresAt <= block.timestamp) revert JobExpiryInPast(expiresAt);
            job.requestor = msg.sender;
        } else {
            _foldJob(job); // a final settlement may have closed it since it was last touched
            if (job.closed || job.refunded) revert JobNotOpen(jobId);
        }
        if (expiresAt > job.expiresAt) job.expiresAt = expiresAt;
        job.deposited = (uint256(job.deposited) + msg.value).toUint128();
        emit Deposited(jobId, msg.sender, jobKey, msg.value, job.expiresAt);
    }

    /// @notice Disputes the pending settlement for one of the caller's jobs, within the challenge window,
    /// posting exactly `disputeBond`. The bond comes back (through `withdrawBond`) if the settlement ends void
    /// (voided by the arbiter, expired unresolved, or superseded by the coordinator) and is forfeited if the
    /// arbiter upholds it.
    function dispute(uint256 settlementId, bytes32 jobId) external payable {
        Job storage job = _jobs[jobId];
        if (job.requestor != msg.sender) revert NotJobRequestor(jobId, msg.sender);
        if (msg.value != disputeBond) revert WrongDisputeBond(msg.value, disputeBond);
        if (job.pendingIn != settlementId || statusOf(settlementId) != SettlementStatus.Pending) {
            revert NotDisputable(settlementId);
        }
        Settlement storage s = _settlements[settlementId];
        s.status = SettlementStatus.Disputed;
        s.disputedJob = jobId;
        s.disputer = msg.sender;
        s.disputedAt = block.timestamp.toUint64();
        bondsHeld += msg.value;
        emit SettlementDisputed(settlementId, jobId, msg.sender, msg.value);
    }

    /// @notice Ends a dispute the arbiter did not resolve within `arbitrationWindow`: the settlement is void
    /// (its jobs keep their previous settled amounts) and the bond is owed back to the disputer. Anyone may
    /// call it.
    function expireDispute(uint256 settlementId) external {
        Settlement storage s = _disputed(settlementId);
        uint256 endsAt = uint256(s.disputedAt) + arbitrationWindow;
        if (block.timestamp < endsAt) revert ArbitrationStillOpen(settlementId, endsAt);
        _voidDisputed(s);
        emit DisputeExpired(settlementId);
        _foldPending();
    }

    /// @notice Sends the caller the bonds owed back to it.
    function withdrawBond() external nonReentrant {
        uint256 amount = bondRefunds[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        // Effects before the interaction: a re-entering caller finds nothing left to withdraw.
        bondRefunds[msg.sender] = 0;
        bondsHeld -= amount;
        emit BondWithdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @notice Sends the requestor what the job's deposit did not pay for. Allowed once the job is closed
    /// by a final settlement, or after it expired with no settlement of it still open.
    function refund(bytes32 jobId) external nonReentrant {
        Job storage job = _jobs[jobId];
        if (job.requestor != msg.sender) revert NotJobRequestor(jobId, msg.sender);
        _foldJob(job);
        if (job.refunded) revert NotRefundable(jobId);
        if (job.pendingIn != 0) revert SettlementStillOpen(job.pendingIn);
        if (!job.closed && block.timestamp < job.expiresAt) revert NotRefundable(jobId);
        uint256 amount = job.deposited - job.settled;
        // Effects before the interaction: a re-entering requestor finds the job refunded and closed.
        job.refunded = true;
        job.closed = true;
        emit Refunded(jobId, msg.sender, amount);
        if (amount > 0) Address.sendValue(payable(msg.sender), amount);
    }

    // ─── coordinator ─────────────────────────────────────────────────────────────────────────────────────

    /// @notice Posts a settlement.
    /// @param root Merkle root over (account, cumulative amount) for every contributor, all jobs
    /// @param total the sum of all leaves: the cumulative amount claimable once this settlement is final
    /// @param jobIds jobs whose settled amount changes (or that close) in this settlement
    /// @param jobSettled each job's new cumulative settled amount (never less than before, never above its deposit)
    /// @param closes whether the job is finished: once final, its requestor may take back the rest
    function postSettlement(
        bytes32 root,
        uint256 total,
        bytes32[] calldata jobIds,
        uint256[] calldata jobSettled,
        bool[] calldata closes
    ) external onlyRole(COORDINATOR_ROLE) returns (uint256 settlementId) {
        if (jobIds.length != jobSettled.length || jobIds.length != closes.length) revert LengthMismatch();
        // A settlement that touches no job could only move credit between contributors: nothing to post.
        if (jobIds.length == 0) revert EmptySettlement();
        _foldPending();
        settlementId = _settlements.length;
        if (pendingId != 0) _supersede(settlementId);

        uint256 expected = _settlements[finalizedId].total;
        for (uint256 i = 0; i < jobIds.length; i++) {
            Job storage job = _jobs[jobIds[i]];
            if (job.requestor == address(0)) revert UnknownJob(jobIds[i]);
            // Fold first: a job closed by the previous (now final) settlement must read as closed.
            _foldJob(job);
            if (job.closed || job.refunded) revert JobNotOpen(jobIds[i]);
            // Listed twice, a job's increase would count twice towards the total: refuse.
            if (job.pendingIn == settlementId) revert DuplicateJob(jobIds[i]);
            uint256 settled = jobSettled[i];
            if (settled > job.deposited) revert SettledBeyondDeposit(jobIds[i], settled, job.deposited);
            if (settled < job.settled) revert SettledDecreased(jobIds[i], settled, job.settled);
            expected += settled - job.settled;
            job.pendingIn = settlementId.toUint64();
            job.pendingSettled = settled.toUint128();
            job.pendingClose = closes[i];
            emit JobSettlementProposed(settlementId, jobIds[i], settled, closes[i]);
        }
        // The root's total is what contributors can draw: exactly the final total plus this settlement's new
        // per-job amounts, so claims can never draw more than deposits that were settled.
        if (total != expected) revert TotalMismatch(total, expected);

        uint64 disputableUntil = block.timestamp.toUint64() + challengeWindow;
        // Field by field: the dispute fields of a fresh slot are zero already, and writing them would cost gas.
        Settlement storage s = _settlements.push();
        s.root = root;
        s.total = total.toUint128();
        s.postedAt = block.timestamp.toUint64();
        s.status = SettlementStatus.Pending;
        pendingId = settlementId.toUint64();
        emit SettlementPosted(settlementId, root, total, disputableUntil);
    }

    // ─── arbiter ─────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Resolves a disputed settlement within `arbitrationWindow` of the dispute: upheld makes it final
    /// now and forfeits the bond; otherwise it is void, every job it touched keeps its previous settled amount,
    /// and the bond is owed back to the disputer.
    function resolveDispute(uint256 settlementId, bool upheld) external onlyRole(ARBITER_ROLE) {
        Settlement storage s = _disputed(settlementId);
        uint256 endsAt = uint256(s.disputedAt) + arbitrationWindow;
        if (block.timestamp >= endsAt) revert ArbitrationWindowPassed(settlementId, endsAt);
        if (upheld) {
            s.status = SettlementStatus.Final;
            // The bond stays in `bondsHeld`, now the admin's to withdraw.
            forfeitedBonds += disputeBond;
        } else {
            _voidDisputed(s);
        }
        emit DisputeResolved(settlementId, upheld);
        _foldPending();
    }

    // ─── admin ───────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Sends the bonds forfeited by upheld disputes to `to`.
    function withdrawForfeitedBonds(address payable to) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        uint256 amount = forfeitedBonds;
        if (amount == 0) revert NothingToWithdraw(to);
        forfeitedBonds = 0;
        bondsHeld -= amount;
        emit ForfeitedBondsWithdrawn(to, amount);
        Address.sendValue(to, amount);
    }

    // ─── contributors ────────────────────────────────────────────────────────────────────────────────────

    /// @notice Pays `account` the difference between its cumulative credit in the latest final settlement and
    /// what it has claimed before. Anyone may submit the proof; the money always goes to `account`.
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external nonReentrant {
        uint256 amount = _recordClaim(account, cumulativeAmount, proof);
        Address.sendValue(payable(account), amount);
    }

    /// @notice `claim` sent by a relayer for a contributor who has no ETH for gas: `account` signed (EIP-712
    /// `RelayedClaim`, or ERC-1271 for a contract account) that the caller may send this claim and keep
    /// `fee` of it. The contributor gets the claimed amount minus `fee`, the caller `fee`. A signature is
    /// good for one claim: once `cumulativeAmount` is claimed, replaying it reverts `NothingToClaim`.
    function claimRelayed(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof,
        uint256 fee,
        bytes calldata signature
    ) external nonReentrant {
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(RELAYED_CLAIM_TYPEHASH, account, cumulativeAmount, msg.sender, fee))
        );
        if (!SignatureChecker.isValidSignatureNowCalldata(account, digest, signature)) {
            revert InvalidRelaySignature(account);
        }
        uint256 amount = _recordClaim(account, cumulativeAmount, proof);
        if (fee > amount) revert FeeExceedsClaim(fee, amount);
        emit ClaimRelayed(account, msg.sender, fee);
        // Interactions last: the claim is recorded, so a re-entering payee or relayer draws nothing more.
        Address.sendValue(payable(account), amount - fee);
        if (fee > 0) Address.sendValue(payable(msg.sender), fee);
    }

    /// @notice The EIP-712 domain separator `claimRelayed` signatures are made under.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ─── views ───────────────────────────────────────────────────────────────────────────────────────────

    /// @notice A settlement's status, counting an undisputed one whose window has passed as final.
    function statusOf(uint256 settlementId) public view returns (SettlementStatus) {
        if (settlementId == 0 || settlementId >= _settlements.length) return SettlementStatus.None;
        Settlement storage s = _settlements[settlementId];
        if (s.status == SettlementStatus.Pending && block.timestamp >= uint256(s.postedAt) + challengeWindow) {
            return SettlementStatus.Final;
        }
        return s.status;
    }

    /// @notice The settlement claims are checked against now.
    function latestFinalSettlement() public view returns (uint256 settlementId, bytes32 root, uint256 total) {
        settlementId = pendingId != 0 && statusOf(pendingId) == SettlementStatus.Final ? pendingId : finalizedId;
        Settlement storage s = _settlements[settlementId];
        return (settlementId, s.root, s.total);
    }

    /// @notice The escrow's id of `requestor`'s job `jobKey` (what `deposit(jobKey, …)` from `requestor` funds).
    function jobIdOf(address requestor, bytes32 jobKey) public pure returns (bytes32) {
        return keccak256(abi.encode(requestor, jobKey));
    }

    /// @notice A settlement; `disputer` is zero and `arbitrationEndsAt` 0 unless it was disputed.
    function settlement(uint256 settlementId)
        external
        view
        returns (
            bytes32 root,
            uint256 total,
            uint64 postedAt,
            uint64 disputableUntil,
            SettlementStatus status,
            bytes32 disputedJob,
            address disputer,
            uint64 arbitrationEndsAt
        )
    {
        if (settlementId == 0 || settlementId >= _settlements.length) revert UnknownSettlement(settlementId);
        Settlement storage s = _settlements[settlementId];
        root = s.root;
        total = s.total;
        postedAt = s.postedAt;
        disputableUntil = s.postedAt + challengeWindow;
        status = statusOf(settlementId);
        disputedJob = s.disputedJob;
        disputer = s.disputer;
        arbitrationEndsAt = s.disputer == address(0) ? 0 : s.disputedAt + arbitrationWindow;
    }

    function settlementCount() external view returns (uint256) {
        return _settlements.length - 1;
    }

    /// @notice A job as it stands now (a final pending settlement counted in).
    function jobOf(bytes32 jobId)
        external
        view
        returns (address requestor, uint256 deposited, uint256 settled, uint64 expiresAt, bool closed, bool refunded, uint256 pendingIn)
    {
        Job storage job = _jobs[jobId];
        settled = job.settled;
        closed = job.closed;
        pendingIn = job.pendingIn;
        if (pendingIn != 0) {
            SettlementStatus status = statusOf(pendingIn);
            if (status == SettlementStatus.Final) {
                settled = job.pendingSettled;
                closed = closed || job.pendingClose;
                pendingIn = 0;
            } else if (status == SettlementStatus.Void) {
                pendingIn = 0;
            }
        }
        return (job.requestor, job.deposited, settled, job.expiresAt, closed, job.refunded, pendingIn);
    }

    // ─── internals ───────────────────────────────────────────────────────────────────────────────────────

    /// @dev Makes a pending settlement whose window passed (or that the arbiter upheld) the final one, and
    /// forgets a void one.
    function _foldPending() private {
        uint64 id = pendingId;
        if (id == 0) return;
        SettlementStatus status = statusOf(id);
        if (status == SettlementStatus.Final) {
            _settlements[id].status = SettlementStatus.Final;
            finalizedId = id;
            pendingId = 0;
        } else if (status == SettlementStatus.Void) {
            pendingId = 0;
        }
    }

    /// @dev Checks a claim against the latest final root and records it (effects only; the caller pays out):
    /// returns the amount newly claimable.
    function _recordClaim(address account, uint256 cumulativeAmount, bytes32[] calldata proof)
        private
        returns (uint256 amount)
    {
        _foldPending();
        uint256 id = finalizedId;
        if (id == 0) revert NoFinalSettlement();
        Settlement storage s = _settlements[id];
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))));
        if (!MerkleProof.verifyCalldata(proof, s.root, leaf)) revert InvalidProof();
        uint256 already = claimed[account];
        if (cumulativeAmount <= already) revert NothingToClaim(account);
        amount = cumulativeAmount - already;
        uint256 newTotal = totalClaimed + amount;
        if (newTotal > s.total) revert ClaimsExceedSettled(newTotal, s.total);
        // Effects before the interaction (The DAO): a re-entering call sees the claim already recorded.
        claimed[account] = cumulativeAmount;
        totalClaimed = newTotal;
        emit Claimed(account, amount, cumulativeAmount, id);
    }

    /// @dev The disputed settlement `settlementId`, or a revert.
    function _disputed(uint256 settlementId) private view returns (Settlement storage s) {
        if (settlementId == 0 || settlementId >= _settlements.length) revert UnknownSettlement(settlementId);
        s = _settlements[settlementId];
        if (s.status != SettlementStatus.Disputed) revert NotDisputed(settlementId);
    }

    /// @dev Makes room for settlement `nextId` while one is still open: a disputed settlement does not hold
    /// everyone else's payouts, so the new one supersedes it (void, bond back) and the jobs it proposed fall
    /// back to their settled amounts as `_foldJob` reads them; a pending one must run its window first.
    function _supersede(uint256 nextId) private {
        uint64 open = pendingId;
        Settlement storage previous = _settlements[open];
        if (previous.status != SettlementStatus.Disputed) revert SettlementStillOpen(open);
        _voidDisputed(previous);
        pendingId = 0;
        emit SettlementSuperseded(open, nextId);
    }

    /// @dev Voids a disputed settlement and owes its bond back to the disputer (withdrawn by `withdrawBond`).
    function _voidDisputed(Settlement storage s) private {
        s.status = SettlementStatus.Void;
        bondRefunds[s.disputer] += disputeBond;
    }

    /// @dev Applies (or drops) the job's proposed amount once its settlement is final (or void).
    function _foldJob(Job storage job) private {
        uint256 id = job.pendingIn;
        if (id == 0) return;
        SettlementStatus status = statusOf(id);
        if (status == SettlementStatus.Final) {
            job.settled = job.pendingSettled;
            if (job.pendingClose) job.closed = true;
        } else if (status != SettlementStatus.Void) {
            return;
        }
        job.pendingIn = 0;
        job.pendingSettled = 0;
        job.pendingClose = false;
    }
}
