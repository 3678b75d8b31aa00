import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {Contributor} from "./contributor.model.js"

/**
 * A registered signer of usage records.
 */
@Entity_()
export class InferenceNode {
    constructor(props?: Partial<InferenceNode>) {
        Object.assign(this, props)
    }

    /**
     * The node's address.
     */
    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Contributor, {nullable: true})
    operator!: Contributor

    @IntColumn_({nullable: false})
    registeredAtBlock!: number

    @DateTimeColumn_({nullable: false})
    registeredAt!: Date

    @IntColumn_({nullable: true})
    revokedAtBlock!: number | undefined | null

    @DateTimeColumn_({nullable: true})
    revokedAt!: Date | undefined | null
}
