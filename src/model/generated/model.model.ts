import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, BooleanColumn as BooleanColumn_, StringColumn as StringColumn_, IntColumn as IntColumn_, DateTimeColumn as DateTimeColumn_, OneToMany as OneToMany_} from "@subsquid/typeorm-store"
import {Contributor} from "./contributor.model.js"
import {ModelDatanet} from "./modelDatanet.model.js"
import {FeeSplitChange} from "./feeSplitChange.model.js"

/**
 * A base model, or a LoRA adapter of a base model.
 */
@Entity_()
export class Model {
    constructor(props?: Partial<Model>) {
        Object.assign(this, props)
    }

    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Contributor, {nullable: true})
    owner!: Contributor

    /**
     * For an adapter: its base model. Null for a base model.
     */
    @Index_()
    @ManyToOne_(() => Model, {nullable: true})
    baseModel!: Model | undefined | null

    @BooleanColumn_({nullable: false})
    isAdapter!: boolean

    @StringColumn_({nullable: false})
    metadataURI!: string

    @Index_()
    @IntColumn_({nullable: false})
    registeredAtBlock!: number

    @DateTimeColumn_({nullable: false})
    registeredAt!: Date

    @StringColumn_({nullable: false})
    txHash!: string

    /**
     * The latest fee split; null until one is set (the configured default applies).
     */
    @IntColumn_({nullable: true})
    modelBps!: number | undefined | null

    @IntColumn_({nullable: true})
    stakersBps!: number | undefined | null

    @IntColumn_({nullable: true})
    dataBps!: number | undefined | null

    @OneToMany_(() => ModelDatanet, e => e.model)
    datanets!: ModelDatanet[]

    @OneToMany_(() => Model, e => e.baseModel)
    adapters!: Model[]

    @OneToMany_(() => FeeSplitChange, e => e.model)
    feeSplits!: FeeSplitChange[]
}
