import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, StringColumn as StringColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_, OneToMany as OneToMany_} from "@subsquid/typeorm-store"
import {Contributor} from "./contributor.model.js"
import {Contribution} from "./contribution.model.js"
import {ModelDatanet} from "./modelDatanet.model.js"

/**
 * A curated dataset that receives contributions.
 */
@Entity_()
export class Datanet {
    constructor(props?: Partial<Datanet>) {
        Object.assign(this, props)
    }

    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Contributor, {nullable: true})
    owner!: Contributor

    @StringColumn_({nullable: false})
    metadataURI!: string

    @Index_()
    @IntColumn_({nullable: false})
    createdAtBlock!: number

    @DateTimeColumn_({nullable: false})
    createdAt!: Date

    @StringColumn_({nullable: false})
    txHash!: string

    @OneToMany_(() => Contribution, e => e.datanet)
    contributions!: Contribution[]

    @OneToMany_(() => ModelDatanet, e => e.datanet)
    models!: ModelDatanet[]
}
