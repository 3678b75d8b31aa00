import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, Index as Index_, ManyToOne as ManyToOne_, IntColumn as IntColumn_, BigIntColumn as BigIntColumn_} from "@subsquid/typeorm-store"
import {Datanet} from "./datanet.model.js"

/**
 * Per-epoch earnings of a datanet's contributions.
 */
@Index_(["epoch", "amount"], {unique: false})
@Entity_()
export class DatanetEpochStat {
    constructor(props?: Partial<DatanetEpochStat>) {
        Object.assign(this, props)
    }

    /**
     * <epoch>-<datanetId>
     */
    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Datanet, {nullable: true, createForeignKeyConstraints: false})
    datanet!: Datanet

    @IntColumn_({nullable: false})
    epoch!: number

    @BigIntColumn_({nullable: false})
    amount!: bigint

    @IntColumn_({nullable: false})
    attributions!: number
}
