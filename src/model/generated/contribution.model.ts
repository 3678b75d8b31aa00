import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, Index as Index_, ManyToOne as ManyToOne_, StringColumn as StringColumn_, BigIntColumn as BigIntColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_, OneToMany as OneToMany_} from "@subsquid/typeorm-store"
import {Datanet} from "./datanet.model.js"
import {Contributor} from "./contributor.model.js"
import {ContributionStatus} from "./_contributionStatus.js"
import {ContributionEvent} from "./contributionEvent.model.js"

/**
 * One piece of data submitted to a datanet.
 */
@Index_(["datanet", "status"], {unique: false})
@Entity_()
export class Contribution {
    constructor(props?: Partial<Contribution>) {
        Object.assign(this, props)
    }

    @PrimaryKey_('varchar')
    id!: string

    @ManyToOne_(() => Datanet, {nullable: true})
    datanet!: Datanet

    @Index_()
    @ManyToOne_(() => Contributor, {nullable: true})
    contributor!: Contributor

    @StringColumn_({nullable: false})
    contentHash!: string

    /**
     * Stake sent with the submission, in wei.
     */
    @BigIntColumn_({nullable: false})
    stake!: bigint

    @Column_("varchar", {length: 8, nullable: false})
    status!: ContributionStatus

    /**
     * Sum of all slashes, in wei. A slashed contribution no longer earns.
     */
    @BigIntColumn_({nullable: false})
    slashedAmount!: bigint

    /**
     * Block of the first slash, if any: attribution at a block before it still pays.
     */
    @IntColumn_({nullable: true})
    slashedAtBlock!: number | undefined | null

    /**
     * Block at which it was reviewed, if it was.
     */
    @IntColumn_({nullable: true})
    reviewedAtBlock!: number | undefined | null

    @Index_()
    @IntColumn_({nullable: false})
    submittedAtBlock!: number

    @DateTimeColumn_({nullable: false})
    submittedAt!: Date

    @StringColumn_({nullable: false})
    txHash!: string

    @OneToMany_(() => ContributionEvent, e => e.contribution)
    history!: ContributionEvent[]
}
