import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, Index as Index_, ManyToOne as ManyToOne_, IntColumn as IntColumn_, BigIntColumn as BigIntColumn_} from "@subsquid/typeorm-store"
import {Agent} from "./agent.model.js"

/**
 * Per-epoch spend of an agent.
 */
@Index_(["epoch", "fees"], {unique: false})
@Entity_()
export class AgentEpochStat {
    constructor(props?: Partial<AgentEpochStat>) {
        Object.assign(this, props)
    }

    /**
     * <epoch>-<agentId>
     */
    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Agent, {nullable: true, createForeignKeyConstraints: false})
    agent!: Agent

    @IntColumn_({nullable: false})
    epoch!: number

    @IntColumn_({nullable: false})
    inferences!: number

    @BigIntColumn_({nullable: false})
    fees!: bigint
}
