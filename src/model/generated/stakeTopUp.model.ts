import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, BigIntColumn as BigIntColumn_, IntColumn as IntColumn_} from "@subsquid/typeorm-store"
import {Stake} from "./stake.model.js"

@Entity_()
export class StakeTopUp {
    constructor(props?: Partial<StakeTopUp>) {
        Object.assign(this, props)
    }

    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Stake, {nullable: true})
    stake!: Stake

    @BigIntColumn_({nullable: false})
    amount!: bigint

    @IntColumn_({nullable: false})
    blockNumber!: number
}
