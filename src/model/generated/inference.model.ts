import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, Index as Index_, ManyToOne as ManyToOne_, StringColumn as StringColumn_, BigIntColumn as BigIntColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_, OneToMany as OneToMany_} from "@subsquid/typeorm-store"
import {Model} from "./model.model.js"
import {Contributor} from "./contributor.model.js"
import {Agent} from "./agent.model.js"
import {AttributionMode} from "./_attributionMode.js"
import {AttributionEdge} from "./attributionEdge.model.js"

/**
 * One paid call of a model: the settlement on chain joined with its usage record.
 */
@Index_(["epoch", "model"], {unique: false})
@Index_(["model", "blockNumber"], {unique: false})
@Index_(["agent", "blockNumber"], {unique: false})
@Entity_()
export class Inference {
    constructor(props?: Partial<Inference>) {
        Object.assign(this, props)
    }

    /**
     * The inferenceId (bytes32, lower-case hex).
     */
    @PrimaryKey_('varchar')
    id!: string

    @ManyToOne_(() => Model, {nullable: true, createForeignKeyConstraints: false})
    model!: Model

    /**
     * The model owner paid the model part (an adapter's own owner).
     */
    @Index_()
    @ManyToOne_(() => Contributor, {nullable: true, createForeignKeyConstraints: false})
    modelOwner!: Contributor

    /**
     * The calling agent, when the settlement named a registered one.
     */
    @ManyToOne_(() => Agent, {nullable: true, createForeignKeyConstraints: false})
    agent!: Agent | undefined | null

    /**
     * The agentId the settlement named, as given (0: a direct call, without an agent).
     */
    @StringColumn_({nullable: false})
    onChainAgentId!: string

    @StringColumn_({nullable: false})
    payer!: string

    @BigIntColumn_({nullable: false})
    fee!: bigint

    @BigIntColumn_({nullable: false})
    platformFee!: bigint

    /**
     * fee - platformFee: what is split.
     */
    @BigIntColumn_({nullable: false})
    net!: bigint

    @BigIntColumn_({nullable: false})
    modelPart!: bigint

    @BigIntColumn_({nullable: false})
    stakersPart!: bigint

    @BigIntColumn_({nullable: false})
    dataPart!: bigint

    @IntColumn_({nullable: false})
    modelBps!: number

    @IntColumn_({nullable: false})
    stakersBps!: number

    @IntColumn_({nullable: false})
    dataBps!: number

    @Column_("varchar", {length: 14, nullable: false})
    mode!: AttributionMode

    @Index_()
    @IntColumn_({nullable: false})
    blockNumber!: number

    @StringColumn_({nullable: false})
    blockHash!: string

    @IntColumn_({nullable: false})
    logIndex!: number

    @IntColumn_({nullable: false})
    epoch!: number

    @DateTimeColumn_({nullable: false})
    settledAt!: Date

    @StringColumn_({nullable: false})
    txHash!: string

    @IntColumn_({nullable: true})
    tokensIn!: number | undefined | null

    @IntColumn_({nullable: true})
    tokensOut!: number | undefined | null

    @StringColumn_({nullable: true})
    node!: string | undefined | null

    @DateTimeColumn_({nullable: true})
    usageAt!: Date | undefined | null

    @OneToMany_(() => AttributionEdge, e => e.inference)
    attributions!: AttributionEdge[]
}
