import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, Index as Index_, IntColumn as IntColumn_, ManyToOne as ManyToOne_, BigIntColumn as BigIntColumn_} from "@subsquid/typeorm-store"
import {Model} from "./model.model.js"
import {Datanet} from "./datanet.model.js"
import {Contributor} from "./contributor.model.js"

/**
 * Earnings by epoch, model, datanet and contributor: the narrow rankings (a model's top contributors or datanets, a
 * datanet's top contributors, a contributor's top datanets) add up these few rows instead of the attribution edges.
 */
@Index_(["model", "epoch"], {unique: false})
@Index_(["datanet", "epoch"], {unique: false})
@Index_(["contributor", "epoch"], {unique: false})
@Entity_()
export class AttributionEpochStat {
    constructor(props?: Partial<AttributionEpochStat>) {
        Object.assign(this, props)
    }

    /**
     * <epoch>-<modelId>-<datanetId>-<address>
     */
    @PrimaryKey_('varchar')
    id!: string

    @IntColumn_({nullable: false})
    epoch!: number

    @ManyToOne_(() => Model, {nullable: true, createForeignKeyConstraints: false})
    model!: Model

    @ManyToOne_(() => Datanet, {nullable: true, createForeignKeyConstraints: false})
    datanet!: Datanet

    @ManyToOne_(() => Contributor, {nullable: true, createForeignKeyConstraints: false})
    contributor!: Contributor

    @BigIntColumn_({nullable: false})
    amount!: bigint

    @IntColumn_({nullable: false})
    attributions!: number
}
