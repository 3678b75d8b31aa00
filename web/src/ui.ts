// A few DOM helpers: the explorer is small enough to need no framework.
type Child = Node | string | number | null | undefined | false
type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>

export function h(tag: string, attributes: Attributes = {}, ...children: (Child | Child[])[]): HTMLElement {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    element.append(child instanceof Node ? child : String(child))
  }
  return element
}

const SVG = 'http://www.w3.org/2000/svg'
export function svg(tag: string, attributes: Record<string, string | number> = {}, ...children: (SVGElement | string)[]): SVGElement {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value))
  element.append(...children)
  return element
}

const WEI_DECIMALS = 18

/** Wei as a decimal amount of the native token, exact (string arithmetic on the integer, no floats). */
export function formatWei(wei: string, fractionDigits = 6): string {
  const negative = wei.startsWith('-')
  const digits = (negative ? wei.slice(1) : wei).padStart(WEI_DECIMALS + 1, '0')
  const whole = digits.slice(0, -WEI_DECIMALS).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const fraction = digits.slice(-WEI_DECIMALS).slice(0, fractionDigits).replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

export function short(id: string): string {
  return id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id
}

export const link = {
  inference: (id: string) => h('a', { href: `#/inference/${id}`, title: id }, short(id)),
  model: (id: string) => h('a', { href: `#/model/${id}` }, `model ${id}`),
  datanet: (id: string) => h('a', { href: `#/lineage/DATANET/${id}` }, `datanet ${id}`),
  contributor: (id: string) => h('a', { href: `#/contributor/${id}`, title: id, 'data-testid': 'contributor-link' }, short(id)),
  epoch: (n: number) => h('a', { href: `#/epoch/${n}` }, `epoch ${n}`),
  lineage: (kind: string, id: string) => h('a', { href: `#/lineage/${kind}/${id}`, class: 'lineage-link' }, 'lineage'),
}

export function table(headers: string[], rows: Child[][], attributes: Attributes = {}): HTMLElement {
  return h(
    'table',
    attributes,
    h('thead', {}, h('tr', {}, headers.map((header) => h('th', {}, header)))),
    h('tbody', {}, rows.length ? rows.map((row) => h('tr', {}, row.map((cell) => h('td', {}, cell)))) : h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, 'nothing yet'))),
  )
}

/**
 * Bars of wei per epoch. Heights are for the eye only, so the ratio to the largest amount is taken in
 * thousandths with bigint arithmetic and only then made a number.
 */
export function epochChart(points: { epoch: number; amount: string }[], label: string): HTMLElement {
  if (!points.length) return h('p', { class: 'empty' }, `no ${label} yet`)
  const width = 640
  const height = 160
  const max = points.reduce((m, p) => (BigInt(p.amount) > m ? BigInt(p.amount) : m), 1n)
  const slot = Math.min(48, width / points.length)
  const bars = points.map((p, i) => {
    const barHeight = (Number((BigInt(p.amount) * 1000n) / max) / 1000) * (height - 20)
    return svg(
      'g',
      {},
      svg('rect', { x: i * slot + 2, y: height - 16 - barHeight, width: Math.max(1, slot - 4), height: barHeight, class: 'bar' }, svg('title', {}, `epoch ${p.epoch}: ${formatWei(p.amount)}`)),
      svg('text', { x: i * slot + slot / 2, y: height - 3, 'text-anchor': 'middle', class: 'axis' }, String(p.epoch)),
    )
  })
  return h('figure', { class: 'chart', 'data-testid': 'epoch-chart' }, svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img' }, ...bars) as unknown as Node, h('figcaption', {}, `${label} per epoch (max ${formatWei(max.toString())})`))
}

export function section(title: string, ...children: (Child | Child[])[]): HTMLElement {
  return h('section', {}, h('h2', {}, title), ...children)
}

/** Runs `fn` at most once per `ms`, the last call of a burst included. */
export function throttle(fn: () => Promise<void> | void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  return () => {
    timer ??= setTimeout(() => {
      timer = undefined
      void fn()
    }, ms)
  }
}
