// A local Bluesky network (PLC, PDS, AppView) for the connector tests.
//
// Usage: node network.mjs <postgres-url> <redis-host:port> <ready-port>
// Creates a throwaway PostgreSQL database, starts the network with every server bound
// to 127.0.0.1, then answers GET http://127.0.0.1:<ready-port>/ with the URLs as JSON
// (and prints them). On SIGTERM it stops the network and drops the database.
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { randomBytes } from 'node:crypto'

// The atproto servers call listen(port) and so bind every interface; tests must
// stay on the loopback address, so a listen() without a host gets 127.0.0.1.
const originalListen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    if (args.length === 1 || typeof args[1] !== 'string') {
      args.splice(1, 0, '127.0.0.1')
    }
  } else if (args[0] && typeof args[0] === 'object' && !('host' in args[0]) && !('path' in args[0])) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  }
  return originalListen.apply(this, args)
}

const here = path.dirname(fileURLToPath(import.meta.url))
const modules = path.resolve(here, '..', '..', 'peers', 'node_modules')
const load = (name) => import(pathToFileURL(path.join(modules, name)).href)

const [postgresUrl, redisHost, readyPort] = process.argv.slice(2)
if (!postgresUrl || !redisHost || !readyPort) {
  console.error('usage: node network.mjs <postgres-url> <redis-host:port> <ready-port>')
  process.exit(2)
}

const { default: pg } = await load('pg/lib/index.js')
const { TestNetwork } = await load('@atproto/dev-env/dist/index.js')

const dbName = `bsky_test_${randomBytes(6).toString('hex')}`
const admin = new pg.Client({ connectionString: postgresUrl })
await admin.connect()
await admin.query(`CREATE DATABASE ${dbName}`)
await admin.end()
const dbUrl = new URL(postgresUrl)
dbUrl.pathname = `/${dbName}`

const dropDatabase = async () => {
  const client = new pg.Client({ connectionString: postgresUrl })
  await client.connect()
  await client.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
  await client.end()
}

process.env.REDIS_HOST = redisHost
let network
try {
  network = await TestNetwork.create({
    dbPostgresUrl: dbUrl.toString(),
    dbPostgresSchema: 'civicdesk',
  })
} catch (err) {
  console.error(err)
  await dropDatabase().catch(() => {})
  process.exit(1)
}

const loopback = (url) => url.replace('//localhost:', '//127.0.0.1:')
const urls = JSON.stringify({
  plc: loopback(network.plc.url),
  pds: loopback(network.pds.url),
  appview: loopback(network.bsky.url),
  appviewDid: network.bsky.ctx.cfg.serverDid,
  database: dbName,
})
console.log(urls)
const ready = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(urls)
})
ready.listen(Number(readyPort), '127.0.0.1')

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  ready.close()
  // Closing waits for the AppView to catch up, which can hang; do not wait forever.
  const deadline = new Promise((resolve) => setTimeout(resolve, 5000))
  try {
    await Promise.race([network.close(), deadline])
  } catch (err) {
    console.error(err)
  }
  await dropDatabase().catch((err) => console.error(err))
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
