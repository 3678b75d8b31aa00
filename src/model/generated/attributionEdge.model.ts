import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, BigIntColumn as BigIntColumn_, IntColumn as IntColumn_} from "@subsquid/typeorm-store"
import {Inference} from "./inference.model.js"
import {Contribution} from "./contribution.model.js"
import {Contributor} from "./contributor.model.js"
import {Datanet} from "./datanet.model.js"

/**
 * What one contribution earned from one inference.
 */
@Entity_()
export class AttributionEdge {
    constructor(props?: Partial<AttributionEdge>) {
        Object.assign(this, props)
    }

    /**
     * <settlement block number, 10 digits>-<inferenceId>-<contributionId>
     */
    @PrimaryKey_('varchar', {collation: 'C'})
    id!: string

    @ManyToOne_(() => Inference, {nullable: true, createForeignKeyConstraints: false})
    inference!: Inference

    @Index_()
    @ManyToOne_(() => Contribution, {nullable: true, createForeignKeyConstraints: false})
    contribution!: Contribution

    @ManyToOne_(() => Contributor, {nullable: true, createForeignKeyConstraints: false})
    contributor!: Contributor

    @ManyToOne_(() => Datanet, {nullable: true, createForeignKeyConstraints: false})
    datanet!: Datanet

    /**
     * The usage record's weight (1 for the equal-weight fallback).
     */
    @BigIntColumn_({nullable: false})
    weight!: bigint

    @BigIntColumn_({nullable: false})
    amount!: bigint

    @IntColumn_({nullable: false})
    epoch!: number
}
