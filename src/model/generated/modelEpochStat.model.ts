import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, Index as Index_, ManyToOne as ManyToOne_, IntColumn as IntColumn_, BigIntColumn as BigIntColumn_} from "@subsquid/typeorm-store"
import {Model} from "./model.model.js"

/**
 * Per-epoch fees and inferences of a model.
 */
@Index_(["epoch", "fees"], {unique: false})
@Entity_()
export class ModelEpochStat {
    constructor(props?: Partial<ModelEpochStat>) {
        Object.assign(this, props)
    }

    /**
     * <epoch>-<modelId>
     */
    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Model, {nullable: true, createForeignKeyConstraints: false})
    model!: Model

    @IntColumn_({nullable: false})
    epoch!: number

    @IntColumn_({nullable: false})
    inferences!: number

    @BigIntColumn_({nullable: false})
    fees!: bigint

    @BigIntColumn_({nullable: false})
    netFees!: bigint

    @BigIntColumn_({nullable: false})
    dataPart!: bigint
}
