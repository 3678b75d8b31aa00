import { DefaultNamingStrategy, type NamingStrategyInterface } from 'typeorm'

/**
 * Entity and property names in snake_case, as the squid codegen's migrations name tables and columns
 * (`metadataURI` → `metadata_uri`, `AttributionEpochStat` → `attribution_epoch_stat`). Our own, so no import
 * reaches into another package's private files; `src/db/schema-drift.ts` fails the start if a name drifts from
 * the migrations.
 */
export function snakeCase(name: string): string {
  return name
    .replace(/([A-Z\d]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase()
}

export class SnakeNamingStrategy extends DefaultNamingStrategy implements NamingStrategyInterface {
  override tableName(className: string, customName?: string): string {
    return customName || snakeCase(className)
  }

  override columnName(propertyName: string, customName: string | undefined, embeddedPrefixes: string[]): string {
    return snakeCase(embeddedPrefixes.join('_')) + (customName || snakeCase(propertyName))
  }

  override relationName(propertyName: string): string {
    return snakeCase(propertyName)
  }

  override joinColumnName(relationName: string, referencedColumnName: string): string {
    return snakeCase(`${relationName}_${referencedColumnName}`)
  }

  override joinTableName(firstTableName: string, secondTableName: string): string {
    return snakeCase(`${firstTableName}_${secondTableName}`)
  }

  override joinTableColumnName(tableName: string, propertyName: string, columnName?: string): string {
    return `${snakeCase(tableName)}_${columnName || snakeCase(propertyName)}`
  }
}
