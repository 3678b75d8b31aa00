import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, StringColumn as StringColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_, JSONColumn as JSONColumn_} from "@subsquid/typeorm-store"

/**
 * A usage record as received. Whether it is joined to its settlement is read off the inference (its usageAt is set by the join), so the join writes no row of this table.
 */
@Entity_()
export class UsageRecord {
    constructor(props?: Partial<UsageRecord>) {
        Object.assign(this, props)
    }

    /**
     * The inferenceId.
     */
    @PrimaryKey_('varchar')
    id!: string

    @StringColumn_({nullable: false})
    modelId!: string

    @StringColumn_({nullable: false})
    agentId!: string

    @StringColumn_({nullable: false})
    node!: string

    @IntColumn_({nullable: false})
    tokensIn!: number

    @IntColumn_({nullable: false})
    tokensOut!: number

    @DateTimeColumn_({nullable: false})
    timestamp!: Date

    /**
     * [{contributionId, weight}] as signed.
     */
    @JSONColumn_({nullable: false})
    attributions!: unknown
}
