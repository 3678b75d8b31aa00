import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, Index as Index_, ManyToOne as ManyToOne_, IntColumn as IntColumn_, BigIntColumn as BigIntColumn_} from "@subsquid/typeorm-store"
import {Contributor} from "./contributor.model.js"

/**
 * Per-epoch earnings of a contributor from data attribution.
 */
@Index_(["epoch", "amount"], {unique: false})
@Entity_()
export class ContributorEpochStat {
    constructor(props?: Partial<ContributorEpochStat>) {
        Object.assign(this, props)
    }

    /**
     * <epoch>-<address>
     */
    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Contributor, {nullable: true, createForeignKeyConstraints: false})
    contributor!: Contributor

    @IntColumn_({nullable: false})
    epoch!: number

    @BigIntColumn_({nullable: false})
    amount!: bigint

    @IntColumn_({nullable: false})
    attributions!: number
}
