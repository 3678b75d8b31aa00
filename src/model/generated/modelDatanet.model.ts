import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_} from "@subsquid/typeorm-store"
import {Model} from "./model.model.js"
import {Datanet} from "./datanet.model.js"

/**
 * A model was trained on a datanet.
 */
@Entity_()
export class ModelDatanet {
    constructor(props?: Partial<ModelDatanet>) {
        Object.assign(this, props)
    }

    /**
     * <modelId>-<datanetId>
     */
    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Model, {nullable: true})
    model!: Model

    @Index_()
    @ManyToOne_(() => Datanet, {nullable: true})
    datanet!: Datanet
}
