import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, Index as Index_, ManyToOne as ManyToOne_, BigIntColumn as BigIntColumn_, JSONColumn as JSONColumn_, IntColumn as IntColumn_} from "@subsquid/typeorm-store"
import {Epoch} from "./epoch.model.js"
import {Contributor} from "./contributor.model.js"

/**
 * What one account is paid for one epoch, with its Merkle proof.
 */
@Index_(["account", "epoch"], {unique: false})
@Entity_()
export class EpochPayout {
    constructor(props?: Partial<EpochPayout>) {
        Object.assign(this, props)
    }

    /**
     * <epoch>-<address>
     */
    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Epoch, {nullable: true, createForeignKeyConstraints: false})
    epoch!: Epoch

    @ManyToOne_(() => Contributor, {nullable: true, createForeignKeyConstraints: false})
    account!: Contributor

    @BigIntColumn_({nullable: false})
    amount!: bigint

    @BigIntColumn_({nullable: false})
    asModelOwner!: bigint

    @BigIntColumn_({nullable: false})
    asStaker!: bigint

    @BigIntColumn_({nullable: false})
    asContributor!: bigint

    /**
     * The leaf's proof in the epoch's tree (hex strings).
     */
    @JSONColumn_({nullable: false})
    proof!: unknown

    @BigIntColumn_({nullable: true})
    claimedAmount!: bigint | undefined | null

    @IntColumn_({nullable: true})
    claimedAtBlock!: number | undefined | null
}
