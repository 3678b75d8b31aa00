export { freePort } from '../../src/free-port.js'
