import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, StringColumn as StringColumn_, BigIntColumn as BigIntColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {Contribution} from "./contribution.model.js"
import {ContributionEventKind} from "./_contributionEventKind.js"

/**
 * The status history of a contribution, one row per event.
 */
@Entity_()
export class ContributionEvent {
    constructor(props?: Partial<ContributionEvent>) {
        Object.assign(this, props)
    }

    /**
     * The chain event id.
     */
    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Contribution, {nullable: true})
    contribution!: Contribution

    @Column_("varchar", {length: 9, nullable: false})
    kind!: ContributionEventKind

    /**
     * The reviewer for a review, the contributor for a submission.
     */
    @StringColumn_({nullable: true})
    actor!: string | undefined | null

    /**
     * The slashed amount for a slash, in wei.
     */
    @BigIntColumn_({nullable: true})
    amount!: bigint | undefined | null

    @StringColumn_({nullable: true})
    reason!: string | undefined | null

    @IntColumn_({nullable: false})
    blockNumber!: number

    @IntColumn_({nullable: false})
    logIndex!: number

    @DateTimeColumn_({nullable: false})
    at!: Date

    @StringColumn_({nullable: false})
    txHash!: string
}
