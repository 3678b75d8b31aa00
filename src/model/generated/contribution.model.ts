import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, StringColumn as StringColumn_, BigIntColumn as BigIntColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {Datanet} from "./datanet.model.js"
import {Contributor} from "./contributor.model.js"
import {ContributionStatus} from "./_contributionStatus.js"

/**
 * One piece of data submitted to a datanet.
 */
@Entity_()
export class Contribution {
    constructor(props?: Partial<Contribution>) {
        Object.assign(this, props)
    }

    /**
     * The on-chain contributionId, as a decimal string.
     */
    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Datanet, {nullable: true})
    datanet!: Datanet

    @Index_()
    @ManyToOne_(() => Contributor, {nullable: true})
    contributor!: Contributor

    @StringColumn_({nullable: false})
    contentHash!: string

    /**
     * Stake in wei.
     */
    @BigIntColumn_({nullable: false})
    stake!: bigint

    @Column_("varchar", {length: 8, nullable: false})
    status!: ContributionStatus

    @Index_()
    @IntColumn_({nullable: false})
    submittedAtBlock!: number

    @DateTimeColumn_({nullable: false})
    submittedAt!: Date

    @StringColumn_({nullable: false})
    txHash!: string
}
