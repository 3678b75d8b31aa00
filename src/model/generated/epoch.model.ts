import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, IntColumn as IntColumn_, Index as Index_, BigIntColumn as BigIntColumn_, StringColumn as StringColumn_, BooleanColumn as BooleanColumn_, OneToMany as OneToMany_} from "@subsquid/typeorm-store"
import {EpochStatus} from "./_epochStatus.js"
import {EpochPayout} from "./epochPayout.model.js"

/**
 * A window of EPOCH_BLOCKS blocks; at its close every account's payout is fixed and committed as a Merkle root.
 */
@Entity_()
export class Epoch {
    constructor(props?: Partial<Epoch>) {
        Object.assign(this, props)
    }

    /**
     * The epoch number.
     */
    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @IntColumn_({nullable: false})
    number!: number

    @IntColumn_({nullable: false})
    firstBlock!: number

    @IntColumn_({nullable: false})
    lastBlock!: number

    @Column_("varchar", {length: 6, nullable: false})
    status!: EpochStatus

    @IntColumn_({nullable: false})
    inferences!: number

    @BigIntColumn_({nullable: false})
    fees!: bigint

    @BigIntColumn_({nullable: false})
    platformFees!: bigint

    @BigIntColumn_({nullable: false})
    netFees!: bigint

    /**
     * The stakers' parts of this epoch's settlements.
     */
    @BigIntColumn_({nullable: false})
    stakersPool!: bigint

    /**
     * Stakers pool carried in from the previous epoch (nobody was staked then).
     */
    @BigIntColumn_({nullable: false})
    rolledIn!: bigint

    /**
     * Stakers pool carried out to the next epoch.
     */
    @BigIntColumn_({nullable: false})
    rolledOver!: bigint

    @BigIntColumn_({nullable: false})
    payoutTotal!: bigint

    /**
     * StandardMerkleTree root over (address, uint256) payouts; null while open or when nothing was paid.
     */
    @StringColumn_({nullable: true})
    root!: string | undefined | null

    @IntColumn_({nullable: true})
    closedAtBlock!: number | undefined | null

    @StringColumn_({nullable: true})
    publishedRoot!: string | undefined | null

    @BigIntColumn_({nullable: true})
    publishedTotal!: bigint | undefined | null

    /**
     * Whether the root published on chain equals the computed one (null until both exist).
     */
    @BooleanColumn_({nullable: true})
    rootMatches!: boolean | undefined | null

    @OneToMany_(() => EpochPayout, e => e.epoch)
    payouts!: EpochPayout[]
}
