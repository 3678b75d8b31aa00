import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, StringColumn as StringColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_} from "@subsquid/typeorm-store"
import {Contributor} from "./contributor.model.js"

/**
 * An on-chain identity that calls models on behalf of users.
 */
@Entity_()
export class Agent {
    constructor(props?: Partial<Agent>) {
        Object.assign(this, props)
    }

    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Contributor, {nullable: true})
    owner!: Contributor

    @StringColumn_({nullable: false})
    metadataURI!: string

    @IntColumn_({nullable: false})
    registeredAtBlock!: number

    @DateTimeColumn_({nullable: false})
    registeredAt!: Date

    @StringColumn_({nullable: false})
    txHash!: string
}
