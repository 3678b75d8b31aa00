import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, IntColumn as IntColumn_, OneToMany as OneToMany_} from "@subsquid/typeorm-store"
import {Datanet} from "./datanet.model.js"
import {Contribution} from "./contribution.model.js"
import {Model} from "./model.model.js"
import {Agent} from "./agent.model.js"

/**
 * An address that contributes data, owns datanets, models or agents, runs inference nodes, stakes or is paid.
 */
@Entity_()
export class Contributor {
    constructor(props?: Partial<Contributor>) {
        Object.assign(this, props)
    }

    @PrimaryKey_('varchar')
    id!: string

    @IntColumn_({nullable: false})
    firstSeenBlock!: number

    @OneToMany_(() => Datanet, e => e.owner)
    datanets!: Datanet[]

    @OneToMany_(() => Contribution, e => e.contributor)
    contributions!: Contribution[]

    @OneToMany_(() => Model, e => e.owner)
    models!: Model[]

    @OneToMany_(() => Agent, e => e.owner)
    agents!: Agent[]
}
