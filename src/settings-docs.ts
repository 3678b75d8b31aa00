import { SETTING_GROUPS, type SettingInfo } from './settings.js'

/** The default column: the value as one would type it, or what the code does instead, then `attrib dev`'s. */
function defaultOf(setting: SettingInfo): string {
  const value = setting.defaultText ?? (setting.default === undefined ? 'none' : `\`${setting.default}\``)
  const dev = setting.devNote ?? (setting.dev === undefined ? undefined : `\`attrib dev\`: \`${setting.dev}\``)
  return dev ? `${value} (${dev})` : value
}

const cell = (markdown: string) => markdown.replaceAll('|', '\\|')

/** README.md's tables of the settings, one per group, each under a `###` heading. */
export function settingsTable(): string {
  return SETTING_GROUPS.map(({ title, settings }) =>
    [
      `### ${title}`,
      '',
      '| variable | default | meaning |',
      '|---|---|---|',
      ...Object.entries(settings).map(([name, s]) => `| \`${name}\` | ${cell(defaultOf(s))} | ${cell(s.description)} |`),
    ].join('\n'),
  ).join('\n\n')
}

const plain = (markdown: string) => markdown.replaceAll('`', '')

/** `text` in lines of at most `width` characters (a longer word keeps a line of its own), the first after `first`. */
function wrap(text: string, width: number, first: string, indent: string): string[] {
  const lines: string[] = []
  let line = first
  for (const word of text.split(' ')) {
    if (line.trim() !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = indent + word
    } else {
      line += line.trim() === '' ? word : ` ${word}`
    }
  }
  return [...lines, line]
}

/** The settings for `attrib --help`: each name, then what it means and its default. */
export function settingsHelp(width = 80): string {
  const groups = SETTING_GROUPS.map(({ title, settings }) =>
    [
      `${title}:`,
      ...Object.entries(settings).flatMap(([name, s]) => [
        `  ${name}`,
        ...wrap(plain(s.description), width, '      ', '      '),
        ...wrap(`default: ${plain(defaultOf(s))}`, width, '      ', '               '),
      ]),
    ].join('\n'),
  )
  const intro = wrap('Configuration comes from the environment (README.md, "Configuration"); a variable set but empty counts as unset.', width, '', '')
  return [intro.join('\n'), ...groups].join('\n\n')
}

const START = '<!-- settings:start -->'
const END = '<!-- settings:end -->'

/** The text between README.md's settings markers, trimmed; undefined without them. */
export function readmeSettingsSection(readme: string): string | undefined {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END, start)
  if (start < 0 || end < 0) return undefined
  return readme.slice(start + START.length, end).trim()
}

/** README.md with settingsTable() between its settings markers. */
export function withSettingsSection(readme: string): string {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END, start)
  if (start < 0 || end < 0) throw new Error(`README.md has no ${START} ... ${END} section`)
  return `${readme.slice(0, start + START.length)}\n\n${settingsTable()}\n\n${readme.slice(end)}`
}
