import type { DataSource } from 'typeorm'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import { createEmbeddedLog } from './embedded-log.js'
import { createKafkaLog } from './kafka-log.js'
import type { Log } from './log.js'

/** Kafka when KAFKA_BROKERS is set; otherwise the embedded log, kept in the given database. */
export function openLog(config: Config, db: DataSource, logger: Logger): Log {
  const { brokers, clientId } = config.kafka
  return brokers ? createKafkaLog({ brokers, clientId, logger }) : createEmbeddedLog({ db, logger })
}
