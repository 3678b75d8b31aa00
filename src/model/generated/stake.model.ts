import {PrimaryColumn as PrimaryKey_} from "typeorm"
import {Entity as Entity_, Column as Column_, PrimaryColumn as PrimaryColumn_, ManyToOne as ManyToOne_, Index as Index_, BigIntColumn as BigIntColumn_, IntColumn as IntColumn_, OneToMany as OneToMany_} from "@subsquid/typeorm-store"
import {Contributor} from "./contributor.model.js"
import {StakeStatus} from "./_stakeStatus.js"
import {StakeTopUp} from "./stakeTopUp.model.js"

/**
 * A stake in OpenLedger's Staking contract; stakers share the stakers' part of the fees.
 */
@Entity_()
export class Stake {
    constructor(props?: Partial<Stake>) {
        Object.assign(this, props)
    }

    /**
     * The stakingId.
     */
    @PrimaryKey_('varchar')
    id!: string

    @Index_()
    @ManyToOne_(() => Contributor, {nullable: true})
    recipient!: Contributor

    /**
     * The Staked amount, in wei.
     */
    @BigIntColumn_({nullable: false})
    amount!: bigint

    /**
     * Staked plus topped up, in wei.
     */
    @BigIntColumn_({nullable: false})
    principal!: bigint

    @Column_("varchar", {length: 17, nullable: false})
    status!: StakeStatus

    @IntColumn_({nullable: false})
    stakedAtBlock!: number

    /**
     * Block of the RequestUnstake or Unstaked that ended it (whichever came first); it earns until then.
     */
    @IntColumn_({nullable: true})
    endedAtBlock!: number | undefined | null

    @OneToMany_(() => StakeTopUp, e => e.stake)
    topUps!: StakeTopUp[]
}
