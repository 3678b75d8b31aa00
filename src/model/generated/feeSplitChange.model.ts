import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, Index as Index_, ManyToOne as ManyToOne_, IntColumn as IntColumn_} from "@subsquid/typeorm-store"
import {Model} from "./model.model.js"

/**
 * Every FeeSplitSet, so a settlement uses the split in force at its log.
 */
@Index_(["model", "blockNumber", "logIndex"], {unique: false})
@Entity_()
export class FeeSplitChange {
    constructor(props?: Partial<FeeSplitChange>) {
        Object.assign(this, props)
    }

    @PrimaryKey_('varchar')
    id!: string

    @ManyToOne_(() => Model, {nullable: true})
    model!: Model

    @IntColumn_({nullable: false})
    modelBps!: number

    @IntColumn_({nullable: false})
    stakersBps!: number

    @IntColumn_({nullable: false})
    dataBps!: number

    @IntColumn_({nullable: false})
    blockNumber!: number

    @IntColumn_({nullable: false})
    logIndex!: number
}
